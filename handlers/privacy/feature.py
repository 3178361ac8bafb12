"""The resident's own data and consent: the first-contact consent, /profil,
/datasaya, /hapusdata and /tarikpersetujuan."""

from __future__ import annotations

from handlers.core.feature import Command, Feature, HelpLine
from handlers.privacy import mydata, onboarding, profile

FEATURE = Feature(
    name="privacy",
    flows=(onboarding.FLOW, mydata.FLOW, profile.FLOW),
    commands=(
        Command(
            "datasaya",
            mydata.show,
            aliases=("mydata",),
            help=HelpLine("help.line.datasaya", 50),
            listed=70,
        ),
        Command(
            "hapusdata",
            mydata.start_delete,
            aliases=("deletedata",),
            help=HelpLine("help.line.hapusdata", 60),
            before_reconsent=True,
            listed=80,
        ),
        Command(
            "tarikpersetujuan",
            mydata.start_withdraw,
            aliases=("withdrawconsent",),
            help=HelpLine("help.line.tarikpersetujuan", 30, "privacy"),
            before_reconsent=True,
        ),
        Command(
            "profil",
            profile.start,
            aliases=("profile",),
            help=HelpLine("help.line.profil", 10, "privacy"),
        ),
    ),
    help=(HelpLine("help.line.datasaya_json", 20, "privacy"),),
)
