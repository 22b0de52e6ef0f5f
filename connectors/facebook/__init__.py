"""Facebook Pages (Graph API v25.0): one location page per establishment.

Model. A group's brand page is the *parent page* (option `parent_page_id`); each establishment
is one of its location pages. Link-first, as Graph documents `/{page-id}/locations` (adding an
existing page to a parent; creating pages there is for developers Meta approves): a push without
a known page id lists `GET /{parent}/locations?fields=id,store_code,store_number&limit=100`
(following the `after` cursor while `paging.next` is there) and links the page whose `store_code`
or `store_number` is our store code; a page set by hand in `platform_ids.facebook` is edited
directly, no parent needed. No page: `action_required` saying how to link it, unless the
connection option `create_pages` is on (an app Meta granted it), which creates the page with the
create's own parameters (`POST /{parent}/locations {store_code, phone, website, location, hours,
always_open, permanently_closed, temporary_status}`) and sends what the create cannot take
(`category_list`, `emails`, `about`, `description`) in an update of the new page. A create retried
after a timeout finds the page made by the first attempt instead of making a second one. A
listing's first push (`PushContext.may_exist` false) looks in one listing of the parent's pages
shared for 30 s by the pushes of that parent, instead of paging through them itself. Edits are
`POST /{page-id}` with only the changed update parameters as JSON (`{"success": true}`); they are
live at once and read back with `GET /{page-id}?fields=...`, plus `GET /{page-id}/upcoming_changes`
for changes Meta proposes on its own. The token travels in `Authorization: Bearer`, never in a
URL (URLs end up in logs).

Verified: every parameter name and type against Meta's generated Business SDK (`Page.api_update`,
`Page.create_location`, `Page.Field`), through the sandbox's `contracts/facebook/page.json`;
`store_number` is an unsigned int there, so store codes go as the string `store_code`.

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
* The Locations API's behaviour (`connector.py`): its paging, the answer `{"id"}`, which create
  parameters are required, and the "store number already exists" error a racing create gets (a
  page made by hand less than 30 s after the shared listing was taken is linked on a first push
  only through that error). Whether a location page's `store_code` is readable on every page.
* Hours (`mapping.py`): a range ending at midnight closes at "00:00"; a whole day 00:00-24:00
  is sent as 00:00-23:59 (00:00-00:00 would read as an empty range); an overnight range keeps
  close < open.
* Writing `location.country` as a name (reads return names; writes may also take codes).
* The names of upcoming change types / proposal categories (`CHANGE_KEYS` in `connector.py`),
  except `category`, which Meta's Upcoming Changes guide shows.
* Categories (`categories.py`, `mapping.MAX_CATEGORIES`): that the ids of a 2016 dump of
  Graph's category list are all still current; the limit of 3 categories a Page. A create sends
  no `place_topics` (topic ids are not category ids): the categories follow in the update.
"""
