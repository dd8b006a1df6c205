"""The demo project: accounts, labels, stance targets and a handful of invented news articles.

Every article, person and organisation below is invented for the demo; the places are real so
that LOC has something to find. The texts keep typographic characters (curly quotes, em
dashes, accented names) on purpose: they exercise offsets beyond ASCII from the first click.
`manage.py load_demo` turns this module into rows.
"""

from dataclasses import dataclass
from typing import TypedDict

from annotations.models import LabelKind, Role

URL = "http://127.0.0.1:8000/"
ADMIN_URL = URL + "admin/"
LOGIN_ENV = "DEMO_PASSWORD"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str  # a project Role, or "superuser" for the Django admin account
    superuser: bool = False

    @property
    def default_password(self) -> str:
        """Return the published demo password, used when DEMO_PASSWORD is not set."""
        return f"{self.username}-demo"


USERS = (
    DemoUser("admin", "superuser", superuser=True),
    DemoUser("manager", Role.MANAGER),
    DemoUser("reviewer", Role.REVIEWER),
    DemoUser("annotator1", Role.ANNOTATOR),
    DemoUser("annotator2", Role.ANNOTATOR),
)
PROJECT_OWNER = "manager"


@dataclass(frozen=True)
class DemoLabel:
    name: str
    kind: str
    shortcut: str
    color: str
    description: str


LABELS = (
    DemoLabel("PER", LabelKind.ENTITY, "p", "#4e79a7", "A named person, with any title."),
    DemoLabel("ORG", LabelKind.ENTITY, "o", "#f28e2b", "A named organisation or institution."),
    DemoLabel("LOC", LabelKind.ENTITY, "l", "#59a14f", "A named place: town, region, river."),
    DemoLabel(
        "CLAIM",
        LabelKind.CLAIM,
        "c",
        "#b07aa1",
        "A statement of fact that someone could check: figures, events, causes.",
    ),
    DemoLabel("FAVOR", LabelKind.STANCE, "f", "#009e73", "The holder supports the target."),
    DemoLabel("AGAINST", LabelKind.STANCE, "a", "#d55e00", "The holder opposes the target."),
    DemoLabel(
        "NEUTRAL", LabelKind.STANCE, "t", "#bab0ac", "The holder takes no side, or both sides."
    ),
)

TARGETS = (
    (
        "Trade corridor agreement",
        "The cross-border trade corridor agreement between the Tillabéri and Dori chambers "
        "of commerce: fewer checkpoints, a shared customs post, a common fee schedule.",
    ),
    (
        "Measles vaccination campaign",
        "The door-to-door measles vaccination campaign for children under five in the "
        "Zinder and Maradi regions.",
    ),
)

GUIDELINES = """\
# Sahel news demo: annotation guidelines

Read the whole article once before marking anything. Every article here is **invented** for
the demo; treat it as if it were real news.

## Entities (shortcut in brackets)
- **PER** (`p`): a named person. Mark the name only, without titles: in “Governor Issa
  Maïga”, mark *Issa Maïga*.
- **ORG** (`o`): a named organisation: ministries, agencies, companies, parties, unions.
- **LOC** (`l`): a named place: countries, regions, towns, rivers.

Do not mark pronouns or job titles on their own (“the minister”).

## Claims
- **CLAIM** (`c`): a checkable statement of fact — a figure, an event, a cause. Opinions
  and promises are not claims.
- Link the claim to its **claimant** (the entity span of who says it). When the source is
  not named in the text (“officials said”), type it as free text.
- Set **check-worthy** to *yes* when the claim is specific, public and would matter if
  false; *no* when it is trivial; *unsure* otherwise.

## Stances
Two stance targets: the **Trade corridor agreement** and the **Measles vaccination
campaign**. For each target the article takes a side on, add one stance:
- the value: **FAVOR** (`f`), **AGAINST** (`a`) or **NEUTRAL** (`t`);
- the **holder**: the entity span of who holds it, or nobody when it is the article's own;
- the **evidence**: the span that shows it.

One stance per holder and target. When in doubt, prefer NEUTRAL and leave a note for the
reviewer.
"""


class DemoProject(TypedDict):
    """The keyword arguments of project_create that describe the demo project."""

    name: str
    description: str
    guidelines: str
    allow_overlap: bool
    annotators_per_document: int


PROJECT: DemoProject = {
    "name": "Sahel news demo",
    "description": (
        "Invented news articles from the Sahel: an election, a flood, a trade agreement and a "
        "vaccination campaign. Mark people, organisations and places, the claims made, and "
        "who takes which side."
    ),
    "guidelines": GUIDELINES,
    "allow_overlap": False,
    "annotators_per_document": 2,
}

ELECTION = """\
Ségou votes for its regional council as turnout climbs

Voters in the Ségou region queued from dawn on Sunday to elect a new regional council, \
the first such vote since the boundaries were redrawn two years ago. By midday, the \
regional electoral commission put turnout at 41 per cent, up from 29 per cent in the \
previous election.

Two lists dominate the race. The Rassemblement pour le Delta, led by former schoolteacher \
Aïssata Coulibaly, campaigned on irrigation and feeder roads for the rice farms along the \
Niger River. The Union des Travailleurs Ruraux, headed by agronomist Bakary Dembélé, \
promised to cut the fees farmers pay for seed.

“People want to see the council deliver water, not speeches,” Coulibaly told reporters \
after casting her ballot in Markala. Dembélé said his list had “listened in every village \
of the cercle” and predicted a narrow win.

Observers from the Collectif Citoyen pour des Élections Paisibles reported that 12 of the \
region’s 1,140 polling stations opened late because ballot boxes arrived on the wrong \
lorry. The commission said none stayed closed for more than two hours.

Provisional results are expected on Wednesday.
"""

FLOOD = """\
Mopti evacuates riverside districts as the Niger breaks its banks

Emergency teams moved about 3,800 people to higher ground in Mopti on Thursday after the \
Niger and Bani rivers rose faster than forecast, flooding the low-lying districts of \
Bangladesh and Gangal overnight.

The regional civil protection directorate said the water at the Mopti gauge stood at \
6.9 metres — 40 centimetres above last year’s peak. “We have never seen it rise this much \
in a single night,” said Lieutenant Oumou Sangaré, who leads the rescue teams on the \
Bani side.

Families were sheltered in three schools and the youth centre. The aid group Eau Vive \
Sahel distributed water-purification tablets and mosquito nets, and warned that standing \
water could bring a rise in malaria cases within weeks.

Fishermen in the old port said the warning came too late. “The radio told us on Tuesday; \
by Wednesday night the water was already in our houses,” said Hamadoun Touré, whose \
pirogue was swept downstream.

The governor’s office has asked the national government for 150 tonnes of millet and for \
engineers to inspect the dyke at Sévaré.
"""

TRADE_SIGNED = """\
Tillabéri and Dori chambers sign cross-border trade corridor agreement

The chambers of commerce of Tillabéri in Niger and Dori in Burkina Faso signed a trade \
corridor agreement on Monday that merges their customs checks into a single post at the \
border town of Téra and sets one fee schedule for lorries carrying livestock, onions and \
cereals.

Under the agreement, the number of checkpoints on the 260-kilometre route would fall from \
eleven to four. “A lorry of onions loses a day and a fifth of its value at the roadblocks. \
This agreement gives that day back to the farmer,” said Mariama Hassane Djibo, president \
of the Tillabéri chamber.

Her counterpart in Dori, Salif Ouédraogo, called the pact “a practical answer to a \
practical problem” and said traders had asked for it for a decade.

The transporters’ union, the Syndicat des Routiers du Liptako, welcomed the single \
customs post but said the new fee of 35,000 CFA francs per crossing was too high for \
small operators. The agreement takes effect on the first of next month.
"""

TRADE_MARKET = """\
Gao traders split over the new trade corridor

At the livestock market in Gao, reactions to the cross-border trade corridor agreement \
signed this week ranged from relief to open hostility.

Cattle dealer Moussa Ag Alhassane said the agreement was “the best news this market has \
had in years”. He estimates that informal payments at checkpoints cost him around \
15,000 CFA francs per animal on the road to Niamey.

Others fear being left out. Zeïnabou Maïga, who sells dried fish and onions, said the \
single customs post at Téra would favour large transport companies. “The big lorries will \
pass in an hour. We, with our small loads, will still wait — and now we pay more,” she said.

The Gao regional trade office said it had not been consulted and would study the text \
before taking a position. A spokesperson, Ibrahim Cissé, noted that Gao traders use the \
route “more than anyone” and asked for a seat on the committee that will review fees.
"""

VACCINATION_LAUNCH = """\
Measles vaccination campaign begins in Zinder and Maradi

Health workers began a door-to-door measles vaccination campaign on Saturday that aims to \
reach 1.2 million children under five in the Zinder and Maradi regions within ten days.

The regional health directorate said 214 measles cases had been confirmed in the two \
regions since January, more than in the whole of last year. “Measles kills children who \
are already weak from hunger. Every child we reach this week is protected before the lean \
season,” said Dr Halima Abdou, the director for Zinder.

Teams of two travel by motorbike and on foot, carrying vaccines in cool boxes. Each \
vaccinated child receives a mark on the little finger so that no house is visited twice.

The Association des Chefs Traditionnels de Maradi has asked village chiefs to announce the \
campaign after Friday prayers. Its secretary, El Hadj Mahamane Sani, said chiefs had \
“a duty to open the door” to the vaccinators.
"""

VACCINATION_DOUBTS = """\
Rumours slow the vaccination campaign in three Maradi villages

Vaccinators in the Maradi region reported on Tuesday that parents in three villages near \
Tessaoua had refused to let their children be vaccinated, after voice messages spread on \
phones claimed the vaccine caused infertility.

The claim is false, said Dr Ousmane Garba of the regional health directorate, who has \
worked on measles campaigns for fifteen years. “The vaccine has been given to hundreds of \
millions of children. It protects them; it does nothing else,” he said.

Not everyone is convinced. Aminou Lawali, a trader in Tessaoua, said he would wait. “They \
come with their cool boxes and their lists, but nobody explained anything to us before,” \
he told a local radio station.

Radio Garkuwa, a community station, has started broadcasting interviews with mothers whose \
children were vaccinated in earlier rounds. Its director, Rabi Issoufou, said the station \
would “give the microphone to people, not to rumours”.
"""

SOLAR = """\
Solar mini-grids bring evening light to Kayes villages

Seven villages in the Kayes region now have electricity after sunset, thanks to solar \
mini-grids installed by the cooperative Lumière du Fleuve with a loan from a regional \
development fund.

Each mini-grid powers about 120 households and the village health post. Families pay \
2,500 CFA francs a month for two lamps and a phone charger; shops can buy more.

In Diamou, tailor Fatoumata Kanté said she now sews until nine in the evening. “I used to \
stop when the light went. Now I finish two boubous a day instead of one,” she said.

The cooperative’s engineer, Adama Keïta, said the batteries were the weak point. “They \
last five or six years in this heat. If we do not save for the replacement now, the \
villages will be back in the dark by 2030,” he warned.
"""

DOCUMENTS = [
    {
        "external_id": external_id,
        "text": text,
        "meta": {
            "title": text.split("\n", 1)[0],
            "section": section,
            "published": published,
            "source": "Workbench demo (invented)",
        },
    }
    for external_id, text, section, published in (
        ("demo-election-segou", ELECTION, "Politics", "2024-06-02"),
        ("demo-flood-mopti", FLOOD, "Environment", "2024-09-12"),
        ("demo-trade-signed", TRADE_SIGNED, "Economy", "2024-10-07"),
        ("demo-trade-gao", TRADE_MARKET, "Economy", "2024-10-10"),
        ("demo-measles-launch", VACCINATION_LAUNCH, "Health", "2024-11-16"),
        ("demo-measles-rumours", VACCINATION_DOUBTS, "Health", "2024-11-19"),
        ("demo-solar-kayes", SOLAR, "Energy", "2024-12-03"),
    )
]

# Notes on the documents, as a manager would leave them for the team (comments on the
# document's thread, read by every member). A note a run already wrote is not written again.
NOTES = (
    (
        "demo-measles-rumours",
        "manager",
        "@reviewer this one mixes rumours and the ministry's figures: check that every "
        "figure is a CLAIM with the right claimant, and that the rumours are not marked as "
        "the article's own stance.",
    ),
    (
        "demo-trade-signed",
        "reviewer",
        "Annotators: the stance on the trade corridor comes from several people here. Add one "
        "stance per holder, and leave a note on this thread if you are unsure.",
    ),
)
