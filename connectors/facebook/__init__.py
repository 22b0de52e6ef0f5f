"""Facebook Pages (Graph API v25.0): one location page per establishment.

Model. A group's brand page is the *parent page* (option `parent_page_id`); each establishment
is one of its location pages, found by `store_number` = our store code. A push without a known
page id lists `GET /{parent}/locations?fields=id,store_number&limit=100` (following the
`after` cursor while `paging.next` is there) and adopts the page with our store number, or
creates it with `POST /{parent}/locations {store_number, ...params}`: a create retried after a
timeout finds the page made by the first attempt instead of making a second one. A listing's
first push (`PushContext.may_exist` false: no earlier push of it can have made a page) looks
in one listing of the parent's pages shared for 30 s by the pushes of that parent, instead of
paging through them itself (2,000 new sites cost 13 lookups a site before). A page linked
by hand (`platform_ids.facebook`) is edited directly, no parent needed. Edits are
`POST /{page-id}` with only the changed params as JSON (`{"success": true}`); they are live at
once and read back with `GET /{page-id}?fields=...`, plus `GET /{page-id}/upcoming_changes`
for changes Meta proposes on its own. The token travels in `Authorization: Bearer`, never in
a URL (URLs end up in logs).

Decisions.
* `name` is not sent: location pages carry the parent brand's name, and the Page update takes no
  `name` (Meta's own SDK lists none; renames go through Facebook, with Meta's review).
* `phone` is sent in international format, `+33 1 23 45 67 89`: Facebook shows the string as
  given, so E.164 would be unreadable and a national number would lose its country.
* `location.country` is the English country name ("France"), what the Graph API returns when
  a page's location is read, so the read-back compares like with like.
* `about` (documented limit: 100 characters) is the description cut at a word with "…";
  `description` is the whole description.
* `opening_soon` -> `temporary_status` NO_DATA (Facebook has no such status; OPERATING_AS_USUAL
  would say it is open), reported as unsupported; `closed_permanently` -> `is_permanently_closed`
  plus NO_DATA; `closed_temporarily` -> TEMPORARILY_CLOSED (no reopening date on Facebook).
* Hours: a day with more than two ranges cannot be shown, so no hours are sent at all; seven
  whole days -> `is_always_open`. Special hours, photos, additional phones and the region are
  listed as unsupported with the reason.
* Categories: `category_list`, the Page category ids of `categories.py` (primary first, at most
  3). A key with no Facebook category is sent as its nearest parent's, a key that lands on the
  same category as another is dropped, and `unsupported["categories"]` says which. Meta's
  proposals of a new category (upcoming change category `category`) are reported as
  third-party edits of `category_list`.
* Keys that disappear from the rendering (a website removed from the record) are not cleared on
  Facebook: whether an empty value clears a Page field is undocumented; the push names them in
  `detail["left_unchanged"]`.

UNVERIFIED (platforms.md documents only page edits; kept in these places):
* The Locations API (`connector.py`): `GET/POST /{parent}/locations`, its params and paging, the
  answer `{"id"}`, and the "store number already exists" error a racing create gets. A page
  made by hand on Facebook less than 30 s after the shared listing was taken is adopted on a
  first push only through that error. Meta's
  generated SDK types `store_number` as an unsigned integer (with a separate string
  `store_code`): alphanumeric store codes may need a numeric mapping against the real API.
* Hours (`mapping.py`): a range ending at midnight closes at "00:00"; a whole day 00:00-24:00
  is sent as 00:00-23:59 (00:00-00:00 would read as an empty range); an overnight range keeps
  close < open.
* Writing `location.country` as a name (reads return names; writes may also take codes).
* The names of upcoming change types / proposal categories (`CHANGE_KEYS` in `connector.py`),
  except `category`, which Meta's Upcoming Changes guide shows.
* Categories (`categories.py`, `mapping.MAX_CATEGORIES`): that the ids of a 2016 dump of
  Graph's category list are all still current; the limit of 3 categories a Page; that the
  Locations API create takes `category_list` (Meta's generated SDK lists `place_topics` for
  `POST /{parent}/locations` and `category_list` for `POST /{page-id}`).
"""
