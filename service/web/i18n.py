"""French first, English on request: the browser's Accept-Language, or the switch in the header
(a `lang` cookie). Messages are keyed by their English text; `FR` holds the French."""

from __future__ import annotations

from starlette.requests import Request

LANGUAGES = ("fr", "en")

FR: dict[str, str] = {
    "Overview": "Vue d'ensemble", "Sites": "Sites", "Action queue": "À traiter", "Import": "Import",
    "Campaigns": "Campagnes", "Platforms": "Plateformes", "Settings": "Réglages", "Log out": "Se déconnecter",
    "Log in": "Se connecter", "E-mail": "E-mail", "Password": "Mot de passe", "Platform": "Plateforme",
    "Status": "Statut", "Total": "Total", "Live": "En ligne", "Share live": "Part en ligne",
    "Recent failures": "Échecs récents", "Running and scheduled campaigns": "Campagnes en cours et programmées",
    "None": "Aucun", "Label": "Libellé", "Locality": "Localité", "Search": "Recherche", "Filter": "Filtrer",
    "Next page": "Page suivante", "Name": "Nom", "Store code": "Code site", "Phone": "Téléphone",
    "Website": "Site web", "Description": "Description", "Save": "Enregistrer", "Record": "Fiche",
    "On each platform": "Sur chaque plateforme", "Why": "Pourquoi", "Sent": "Envoyé",
    "Cannot take": "Non pris en charge", "Live link": "Lien", "Expected by": "Attendu le",
    "Attempts": "Tentatives", "History": "Historique", "Who": "Qui", "When": "Quand", "From": "Origine",
    "Changes": "Modifications", "Saved.": "Enregistré.", "Nothing changed.": "Aucune modification.",
    "Conflict": "Conflit",
    "Someone else changed this site since you opened the page. Your changes were NOT saved.":
        "Quelqu'un a modifié ce site depuis l'ouverture de la page. Vos modifications n'ont PAS été enregistrées.",
    "Your values": "Vos valeurs", "Reload the page": "Recharger la page", "Mark done": "Marquer comme fait",
    "Repair (push again)": "Réparer (renvoyer)", "Accept the platform's version": "Accepter la version de la plateforme",
    "Nothing to do.": "Rien à faire.", "Upload": "Envoyer", "Workbook (.xlsx)": "Classeur (.xlsx)",
    "Dry run": "Simulation", "Confirm the import": "Confirmer l'import", "Past imports": "Imports précédents",
    "Row": "Ligne", "Action": "Action", "Errors": "Erreurs", "Outcome": "Résultat", "File": "Fichier",
    "Phone migration": "Migration de numéros", "Holiday closure": "Fermeture exceptionnelle",
    "Replace this number": "Remplacer ce numéro", "by": "par", "or move the prefix": "ou déplacer le préfixe",
    "to": "vers", "Mapping workbook": "Classeur de correspondance", "Plan (dry run)": "Préparer (simulation)",
    "Apply now": "Appliquer maintenant", "Apply at": "Appliquer le", "Report (.xlsx)": "Rapport (.xlsx)",
    "Rollback": "Annuler la campagne", "Progress": "Avancement", "Sites changed": "Sites modifiés",
    "Requests": "Requêtes", "Done by": "Terminé vers", "State": "État", "Kind": "Type", "Created": "Créée",
    "Connect": "Connecter", "Disconnect": "Déconnecter", "Connection": "Connexion", "Quota": "Quota",
    "Last errors": "Dernières erreurs", "Secrets (JSON, never shown again)": "Secrets (JSON, jamais réaffichés)",
    "Options (JSON)": "Options (JSON)", "Users": "Utilisateurs", "API keys": "Clés d'API", "Role": "Rôle",
    "Limited to": "Limité à", "Create": "Créer", "Revoke": "Révoquer", "Expires": "Expire",
    "Read only": "Lecture seule", "Owner": "Propriétaire", "Last used": "Dernière utilisation",
    "Drift policy": "Politique d'écart", "Copy this key now: it will not be shown again.":
        "Copiez cette clé maintenant : elle ne sera plus affichée.", "Disable": "Désactiver",
    "disabled": "désactivé", "Not found": "Introuvable", "Refused": "Refusé", "Error": "Erreur",
    "This page does not exist, or you may not see it.": "Cette page n'existe pas, ou vous n'y avez pas accès.",
    "Start": "Début", "End": "Fin", "Sources and webhooks": "Sources et webhooks",
    "Coming with the sources and webhooks feature.": "Arrive avec les sources et les webhooks.",
    "Signed in as": "Connecté en tant que", "all sites": "tous les sites", "Language": "Langue",
    "Add a category": "Ajouter une catégorie", "Add coordinates": "Ajouter les coordonnées",
    "Verify on the platform": "Vérifier sur la plateforme", "Make the listed edits, then mark them done":
        "Faire les modifications indiquées, puis les marquer comme faites",
    "Repair or accept a drift": "Réparer ou accepter un écart", "Fix the rejected fields": "Corriger les champs refusés",
    "Other": "Autre", "sites": "sites", "Apply": "Appliquer", "Refresh": "Actualiser", "Skip to content":
        "Aller au contenu", "Main menu": "Menu principal", "API documentation": "Documentation de l'API",
}


def pick(request: Request) -> str:
    chosen = request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    ranked = []
    for part in request.headers.get("accept-language", "").split(","):
        tag, _, q = part.strip().partition(";q=")
        try:
            ranked.append((float(q or 1), tag.split("-")[0].lower()))
        except ValueError:
            continue
    for _, tag in sorted(ranked, key=lambda x: -x[0]):
        if tag in LANGUAGES:
            return tag
    return "fr"


def translator(lang: str):  # noqa: ANN201
    if lang == "en":
        return lambda text: text
    return lambda text: FR.get(text, text)
