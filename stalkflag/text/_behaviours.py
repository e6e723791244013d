"""The behaviour catalogue: every behaviour stalkflag reads, declared once.

Each behaviour is a :class:`Behaviour` record in :data:`registry` (a ``catalogue`` registry,
as spaCy and Splink register their components): its id (the feature name and the key a reason
cites), a label for people, its **kind** (an ``act`` someone does, or ``context`` such as fear,
separation or an issue dispute), its **channel** (online or offline acts), the **S-DASH**
questions it answers and the **FOUR** element it shows (DOMAIN.md), and its patterns in the
small language of :mod:`._lexicon`. Features, reasons, online/offline breadth and the
reader all take their lists from here, so adding a behaviour touches this file only.

Grounded in ``shared/DOMAIN.md``: the acts of s2A(3) Protection from Harassment Act 1997, the
technology-enabled behaviours, third parties, threats and violence, breach of orders or
warnings, the S-DASH risk questions, and the look-alike context that tells harassment about an
issue from fixation on a person. Patterns are written from how officers, callers and US police
logs phrase these things in general, never from the development cases' sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import catalogue

__all__ = [
    "ACTS",
    "BEHAVIOURS",
    "CONTEXTS",
    "OFFLINE",
    "ONLINE",
    "SDASH",
    "Behaviour",
    "Veto",
    "behaviour_records",
    "registry",
]

registry = catalogue.create("stalkflag", "behaviours", entry_points=False)
"""Behaviour records by id."""

SDASH: dict[str, str] = {
    "Q1": "victim very frightened",
    "Q2": "previous harassment of this or other victims",
    "Q3": "property destroyed or vandalised",
    "Q4": "visits to home or work",
    "Q5": "loitering",
    "Q6": "threats of physical or sexual violence",
    "Q7": "harassing third parties",
    "Q8": "violence within the current stalking",
    "Q9": "persuading others to help",
    "Q10": "drug or alcohol abuse",
    "Q11": "known past violence",
}
"""The 11 S-DASH questions (DOMAIN.md), by number."""


@dataclass(frozen=True)
class Veto:
    """A context in which a match is not the behaviour: a word of the match (normal form) is
    one of ``words`` and the word before it is in ``before`` or the word after it in ``after``
    (``of_the``: a sequence of words)."""

    words: frozenset[str]
    before: frozenset[str] = frozenset()
    after: frozenset[str] = frozenset()


def veto(words: str, *, before: str = "", after: str = "") -> Veto:
    """A :class:`Veto` from space-separated words."""
    return Veto(frozenset(words.split()), frozenset(before.split()), frozenset(after.split()))


@dataclass(frozen=True)
class Behaviour:
    """One behaviour the reader recognises.

    Attributes:
        id: Stable id (feature ``n_<id>``; cited by reasons).
        label: What a person reads ("turned up at her home").
        kind: ``act`` (someone did it: qualified by who acted) or ``context``.
        patterns: Pattern strings (:mod:`._lexicon`).
        channel: ``online`` or ``offline`` for acts; ``None`` for context.
        sdash: S-DASH questions it answers (keys of :data:`SDASH`).
        four: FOUR element it shows: ``F``, ``O``, ``U``, ``R`` or ``""``.
        vetoes: Contexts that cancel a match.
        unless: Behaviours whose match over the same words takes precedence.
    """

    id: str
    label: str
    kind: str
    patterns: tuple[str, ...]
    channel: str | None = None
    sdash: tuple[str, ...] = ()
    four: str = ""
    vetoes: tuple[Veto, ...] = field(default=())
    unless: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in {"act", "context"}:
            raise ValueError(f"{self.id}: kind must be act or context")
        if (self.kind == "act") != (self.channel in {"online", "offline"}):
            raise ValueError(f"{self.id}: acts have a channel, context has none")
        if unknown := set(self.sdash) - set(SDASH):
            raise ValueError(f"{self.id}: unknown S-DASH questions {sorted(unknown)}")


def _declare(*records: Behaviour) -> None:
    for record in records:
        registry.register(record.id, func=record)


# -- Acts (s2A(3) and the technology-enabled behaviours) ------------------------------------

_declare(
    Behaviour(
        "following",
        "followed her",
        "act",
        channel="offline",
        four="F",
        sdash=("Q5",),
        patterns=(
            "follow|trail|tail|pursue|shadow|stalk",
            "chase ~2 @victim",
            "drive|walk|run|cycle|creep|move ~3 behind|after @victim",
            "drive|walk|run|cycle ~2 behind",
            "get|got|board ~2 same bus|train|tram|carriage",
            "everywhere|wherever ~2 she|he|i|we ~1 go|went|goes",
        ),
        vetoes=(
            veto("follow following followed follows", before="the"),
            veto(
                "follow following followed follows",
                after="up - advice instructions instruction procedure procedures guidance policy "
                "suit orders protocol",
            ),
            veto(
                "following",
                after="a an this that these those which his their its an "
                "arrest advice enquiries inquiries investigation review "
                "day week morning night evening conversation discussion "
                "report reports call calls complaint complaints "
                "incident incidents separation breakup",
            ),
            veto("stalk", before="the"),
            veto("trail", before="the a walking cycle nature paper audit"),
        ),
        unless=("monitoring", "appearing", "visiting_home", "visiting_work"),
    ),
    Behaviour(
        "visiting_home",
        "came to her home",
        "act",
        channel="offline",
        four="F",
        sdash=("Q4",),
        patterns=(
            "turn|show ~1 up ~4 @home",
            "come|came|attend|arrive|appear|visit|pull ~5 address|house|home|flat|door|doorstep|"
            "residence|apartment|garden|porch|driveway|dorm",
            "go|went|gone|walk|walked|drive|drove|return|returned|call|called ~2 to|round|into ~3 "
            "address|house|flat|door|doorstep|residence|apartment|garden|porch|driveway|dorm",
            "knock|bang|hammer|pound|kick|bash|bang ~4 door|window|windows|letterbox",
            "doorbell",
            "ring|rang|press ~2 bell|buzzer|intercom",
            "at|on ~2 doorstep",
            "be ~1 at ~2 address|house|home|flat|door|residence|apartment",
            "enter|entered|get|got|climb ~3 garden|house|home|flat|property|residence|apartment|yard",
            "let ~1 himself|herself|themselves|themself ~1 in|into",
            "drive|drove|walk|cruise ~1 past|by ~3 @home",
            "drive-by|drive-bys|drive-bye|driveby|drivebys",
            "come|came|go|went ~1 round|over ~2 to|her|his|my|their|the",
        ),
        unless=("watching",),
        vetoes=(
            veto("come came go went", after="to_police"),
            veto("flat house home address apartment residence", before="own his"),
        ),
    ),
    Behaviour(
        "visiting_work",
        "came to her work",
        "act",
        channel="offline",
        four="F",
        sdash=("Q4",),
        patterns=(
            "turn|show ~1 up ~4 @work",
            "come|came|attend|arrive|appear|go|went|visit|return|wait|waiting|walk|drive|"
            "confront ~5 work|workplace|office|shift|job|salon|surgery|college|university|campus|"
            "school|classroom|lecture|practice|restaurant|store|shop",
            "at ~2 work|workplace|office ~3 again",
            "place ~1 of ~1 work|employment|study",
        ),
        vetoes=(veto("come came go went return", after="home"),),
    ),
    Behaviour(
        "appearing",
        "turned up where she was",
        "act",
        channel="offline",
        four="R",
        sdash=("Q5",),
        patterns=(
            "turn|show ~1 up",
            "appear|reappear|accost|intercept|approach|confront|corner ~2 @victim",
            "keep ~2 turn|turning|appear|appearing|show|showing|bump|bumping",
            "bump|bumped|run|ran ~1 into ~1 @victim",
            "wait|waiting|waited ~2 for ~1 @victim",
            "everywhere|wherever ~2 she|he|i|we|they ~1 go|went|goes|is|was",
            "present ~1 at|in|outside ~3 @place|@work",
            "at ~2 @place ~3 again",
            "=appeared|=reappeared|=appears",
            "places ~2 she|he|i ~1 go|goes|went|visits|frequents",
            "already ~1 there|waiting",
        ),
        unless=("visiting_home", "visiting_work", "loitering"),
        vetoes=(
            veto("approach approached", after="vehicle car officers police"),
            veto("appeared appears", after="to"),
        ),
    ),
    Behaviour(
        "loitering",
        "loitered near her",
        "act",
        channel="offline",
        four="F",
        sdash=("Q5",),
        patterns=(
            "loiter|lurk|linger|skulk",
            "hang|hung ~1 around|about|round|outside",
            "sit|sat|wait|park|stand|stood|idle|hover|pace ~4 outside|opposite|across|nearby|near|"
            "corner",
            "outside ~3 @home|@work",
            "parked ~3 up|outside|opposite|near|across|street|road",
            "circle|circled|cruise|cruising ~2 block|street|road|area|estate|car|park",
            "in ~1 car|vehicle|van ~3 outside|opposite|across|near",
        ),
        unless=("visiting_home", "watching"),
        vetoes=(veto("outside", after="of_hours"),),
    ),
    Behaviour(
        "watching",
        "watched her",
        "act",
        channel="offline",
        four="F",
        sdash=("Q5",),
        patterns=(
            "watch|spy|stare|peer|peek|ogle|glare|gawp",
            "look|looking|looked|peer ~2 through|into|in|over ~3 window|windows|curtains|fence|"
            "letterbox|house|bedroom",
            "take|took|taking ~3 photo|photos|photograph|photographs|picture|pictures|pics|video|"
            "videos|footage",
            "photograph|film|record|video ~2 @victim",
            "hidden ~1 camera|cameras|device|devices",
            "camera|cameras ~3 pointed|pointing|facing|trained|aimed",
            "binoculars|telescope",
            "covert|secret|secretly ~1 surveillance|filming|film|filmed|photos|photographs|"
            "recording|recorded",
            "keep|kept|keeping ~2 eye ~1 on",
            "drive|drove|walk|cruise|driving|walking ~1 past|by ~1 again|repeatedly|slowly|"
            "several|numerous|multiple",
        ),
        vetoes=(
            veto(
                "watch watches",
                before="a two gold silver wrist smart designer apple his her "
                "neighbourhood neighborhood",
            ),
            veto(
                "watch watching watched",
                after="tv television film films movie movies "
                "football match game out youtube netflix "
                "over_the_children",
            ),
            veto("eye eyes", before="black left right his her one both"),
        ),
        unless=("threats",),
    ),
    Behaviour(
        "unwanted_items",
        "sent or left her things",
        "act",
        channel="offline",
        four="U",
        patterns=(
            "flowers|bouquet|gift|gifts|present|presents|parcel|parcels|package|packages|"
            "chocolates|teddy|jewellery|jewelry|perfume|love|valentine",
            "letter|letters|card|cards|note|notes|poem|poems ~4 left|leave|through|posted|"
            "pushed|sent|send|delivered|under|on|at|in",
            "left|leave|leaving|put|posted|pushed|sent|send|deliver|delivered|drop|dropped|"
            "throw|threw ~4 letter|letters|card|cards|note|notes|items|item|things|objects|"
            "bag|box|photos|photographs|pictures|food|flowers|gift|gifts",
            "send|sent|sending|write|wrote|writing ~6 letter|letters|card|cards|parcel|parcels|"
            "package|packages|gift|gifts|flowers",
            "receive|received|receiving|get|got|getting ~4 letter|letters|card|cards|parcel|"
            "parcels|package|packages|gift|gifts|flowers",
            "letter|letters|card|cards|parcel|parcels|gifts|flowers ~2 keep|kept|continue|"
            "arrive|arrived|arriving|coming|from",
            "=left|=dumped|=placed|=dropped|=found ~2 at|on|outside|by|in|through ~3 door|doorstep|"
            "car|windscreen|office|garden|porch|letterbox|step|gate|windowsill|mat|house|flat|"
            "workplace|desk",
            "excrement|faeces|feces|urine|dead ~1 animal|animals|bird|birds|rat|rats|cat|fish",
            "windscreen|windshield|wiper|wipers ~2 note|notes|letter|card",
        ),
        vetoes=(
            veto(
                "card cards",
                before="contact bank credit debit business gift sim id key "
                "payment oyster library membership blu access sd "
                "yellow red report",
            ),
            veto("gift gifts", after="card cards voucher vouchers aid"),
            veto("present", after="at in during when for on with"),
            veto("present presents", before="was were is are be been being not also all at"),
            veto("note notes", before="officer officers pc police case my i please"),
            veto("love", before="i in"),
            veto("package", after="holder"),
        ),
    ),
    Behaviour(
        "property_damage",
        "damaged or took her property",
        "act",
        channel="offline",
        four="U",
        sdash=("Q3",),
        patterns=(
            "slash|scratch|smash|damage|vandalise|vandalize|vandalism|vandalised|graffiti|deface|"
            "puncture|spray|sprayed|shatter|shattered|=keyed|=keying",
            "break|broke|broken|kick|kicked|smash|crack|cracked ~4 @property|windows|glass|in|into",
            "throw|threw|thrown|chuck|chucked|hurl|hurled|lob ~4 at ~3 window|windows|house|car|"
            "door|home|property",
            "pour|poured|tip|tipped|throw|threw|thrown ~4 paint|bleach|acid|oil|sugar|brick|stone|"
            "stones|egg|eggs|paint-stripper",
            "steal|stole|stolen|theft|thief|burglary|burgle|burglar|robbery|rob|robbed|larceny|"
            "shoplift|shoplifting|snatch|snatched|pickpocket",
            "criminal ~1 mischief|damage",
            "tamper|tampered|interfere|interfered ~3 @property|brakes|post|mail|letters|meter|wheel",
            "flat|let ~1 tyres|tyre|tires|down",
            "set ~1 fire|alight",
            "arson|fire-raising",
            "take|took|taken ~3 phone|keys|key|bag|purse|wallet|laptop|belongings|car|bike|dog|cat",
        ),
        vetoes=(
            veto("key keys", before="a the her his my spare door car house set of"),
            veto("key", after="safe holder holders worker workers witness evidence card fob"),
            veto("break broke broken", after="up down off the_law bail silence news"),
            veto("spray", after="paint_can"),
            veto("take took taken", after="photos photo pictures picture photographs video videos"),
        ),
    ),
    Behaviour(
        "calls",
        "phoned her",
        "act",
        channel="online",
        four="U",
        patterns=(
            "@call_word ~1 @victim",
            "@call_word ~3 times|constantly|repeatedly|non-stop|nonstop|again|day|night|daily|"
            "hour|over|hours|late|early",
            "missed|silent|withheld|hang-up|hangup|nuisance|abusive|threatening|unwanted|"
            "repeated|numerous|multiple|several|anonymous ~2 call|calls|phone|phonecalls|rings",
            "voicemail|voicemails|phonecall|phonecalls",
            "keep|kept|keeps|keeping ~2 @call_word",
            "call|calls|phone|ring ~1 from ~2 suspect|him|her|he|ex",
            "hang|hung ~1 up",
        ),
        vetoes=(
            veto(
                "call calls",
                before="999 911 the a this that police dispatch service another "
                "first same recent previous 101",
            ),
            veto(
                "call called calling calls phone phoned rang",
                after="police 999 911 101 officers it back",
            ),
            veto("voicemail voicemails", before="to"),
            veto("called calling", after="it a an the"),
            # "called her a slag", "calling him names": words, not a phone call
            veto(
                "call called calling calls",
                after="names her_a her_an me_a me_an him_a him_an them_a her_names me_names "
                "him_names her_every me_every",
            ),
        ),
    ),
    Behaviour(
        "messages",
        "messaged her",
        "act",
        channel="online",
        four="U",
        patterns=(
            "@message_word",
            "voice ~1 note|notes|message|messages|memo|memos",
            "bombard|flood|spam|inundate ~2 @victim",
            "message|text|email|dm|whatsapp|snapchat|contact|contacted|contacting|write|wrote|"
            "post|comment ~1 @victim",
            "payment|transfer|transfers|bank ~3 reference|references",
            "comment|comments|reply|replies|tag|tagged ~2 on|under|in ~2 post|posts|photo|photos|page",
        ),
        vetoes=(
            veto("email emails", before="by via"),
            veto("letter letters note notes card cards", before="a the"),
            veto("note notes", before="officer officers pc police case my i please to"),
            veto("post", after="office code man woman box"),
            veto("post", before="the a on"),
            veto("voice", after="was level"),
            veto("text", after="from_police"),
            veto("contact contacted contacting", after="from with"),
        ),
        unless=("unwanted_items", "calls", "publishing"),
    ),
    Behaviour(
        "contact_after_block",
        "contacted her from new numbers or accounts after being blocked",
        "act",
        channel="online",
        four="U",
        patterns=(
            "new|different|another|unknown|withheld|private|fake|burner|second|other|various|"
            "several|multiple|numerous ~3 number|numbers|account|accounts|profile|profiles|phone|"
            "phones|sim|email|emails|usernames|username",
            "block|blocked|blocking ~4 but|still|again|another|new|different|kept|continued|then",
            "despite ~3 block|blocked|blocking",
            "after ~2 block|blocked|blocking",
            "unblock|unblocked",
        ),
        vetoes=(veto("new", after="partner boyfriend girlfriend address house home job"),),
    ),
    Behaviour(
        "monitoring",
        "monitored her",
        "act",
        channel="online",
        four="O",
        patterns=(
            "monitor|monitoring|monitored|check|checked|checking|view|viewed|viewing|go|went|"
            "read|reading|search|searched|look|looked|scroll ~3 phone|phones|messages|texts|"
            "emails|story|stories|post|posts|profile|profiles|page|pages|instagram|facebook|"
            "social|accounts|account|whereabouts|location|movements|activity|online|history",
            "know|knew|knows|knowing ~3 where|who|when|what|movements|whereabouts|everything|"
            "routine|plans",
            "ask|asked|asking|enquire|enquired|question ~4 about|where ~3 whereabouts|movements|"
            "where|her|living|lives|address|live|routine",
            "follow|followed|following|add|added|friend|request ~3 @social|account|accounts|"
            "profile|friends",
            "find|found|discover|discovered|locate|located|traced|trace|"
            "obtained ~3 new ~1 address|number|home|job|workplace|school",
            "whereabouts|movements",
            "ask|asking|asked|question|questioning|demand|demanding ~3 where|who ~2 she|i|her|"
            "was|is|am|been|with|going",
            "know|knew|knows ~1 she|i ~1 was|had|is|am|were",
            "work|worked|find|found|finding ~1 out ~3 who|where|when|what",
            "spy ~1 on ~1 phone|phones|messages|emails",
        ),
        vetoes=(
            veto("know knew knows", after="who_the what_to"),
            veto("check checked checking", before="welfare"),
        ),
    ),
    Behaviour(
        "tracking",
        "tracked her location",
        "act",
        channel="online",
        four="O",
        patterns=(
            "airtag|airtags|tracker|trackers|gps|tile|tracking|tracked|track",
            "location ~2 sharing|shared|share|data|services|history|tracking",
            "find ~1 my ~1 iphone|phone|friends|device",
            "life360|snap ~1 map|snapmap|snapmaps",
            "device ~3 under|in|on|inside|hidden ~3 car|vehicle|bag|coat|toy|bumper|wheel",
        ),
        vetoes=(
            veto("track", before="race dirt the a"),
            veto("track tracked tracking", after="record down suit back changes"),
            veto("tile tiles", before="roof floor wall"),
            veto("tile tiles", after="floor fell"),
        ),
    ),
    Behaviour(
        "account_access",
        "got into her accounts or devices",
        "act",
        channel="online",
        four="O",
        patterns=(
            "log|logged|logging|access|accessed|accessing|hack|hacked|hacking|break|broke|get|got|"
            "gain|gained ~3 into|in ~3 account|accounts|email|emails|icloud|instagram|"
            "facebook|phone|laptop|computer|snapchat|apple|google|gmail|bank",
            "hack|hacked|hacking|hacker",
            "lock|locked ~2 out",
            "spyware|stalkerware|keylogger|mirror|mirrored|mirroring|cloned|clone",
            "change|changed|reset ~3 password|passwords|pin|passcode|recovery|security",
            "password|passwords|passcode|login|logins|pin ~3 use|used|using|know|knew|guess|"
            "guessed|obtain|obtained|without",
            "install|installed ~3 app|apps|software|spyware|camera|device",
        ),
        vetoes=(veto("access", after="to_children"), veto("break broke", after="up down")),
        unless=("property_damage",),
    ),
    Behaviour(
        "impersonation",
        "pretended to be her or someone else",
        "act",
        channel="online",
        four="O",
        patterns=(
            "fake|false|bogus|imposter|impostor|duplicate|cloned|clone|spoof|spoofed ~3 "
            "profile|profiles|account|accounts|page|pages|identity|email|number|persona",
            "pretend|pretending|pretended|pose|posing|posed|impersonate|impersonating|"
            "impersonated|impersonation|masquerade|masquerading ~3 as|to|be",
            "identity ~1 theft|fraud",
            "in ~2 her|his|my|victim's|their ~1 name",
            "claiming ~1 to ~1 be",
            "catfish|catfished|catfishing",
        ),
        unless=("ordering_in_name",),
    ),
    Behaviour(
        "publishing",
        "published material about her",
        "act",
        channel="online",
        four="O",
        sdash=("Q7",),
        patterns=(
            "post|posted|posting|share|shared|sharing|upload|uploaded|publish|published|"
            "circulate|circulated|distribute|distributed|spread|leak|leaked ~4 @media|address|number|details|screenshots|online|allegations|"
            "lies|rumours|rumors|story|stories|information|info|comments|messages|nude|nudes|"
            "intimate|sexual|explicit|private|personal|website|internet|facebook|instagram|"
            "tiktok|twitter|group|forum|reddit",
            "dox|doxx|doxing|doxxing|doxed|doxxed",
            "@media|number|address|details|status|comment|comments|caption|lies|allegations ~3 "
            "posted|shared|uploaded|published|circulated|tweeted ~3 on|online|to|in",
            "tweet|tweeted|retweet|retweeted ~3 @media|about|her|him",
            "@social ~2 post|posts|comments|status|update|updates|blog|blogs|video|videos|tweets",
            "revenge ~1 porn|pornography",
            "intimate|sexual|explicit|private|naked|nude ~2 image|images|photo|photos|pictures|"
            "video|videos",
            "defamatory|defame|defaming|smear|smearing|slander|slanderous|libel|libellous",
            "send|sent|forward|forwarded|show|showed|shown ~4 @media|nude|nudes|intimate|"
            "screenshots|details|address ~4 to ~2 @third|@new_partner|everyone|people|others",
            "leaflet|leaflets|poster|posters|flyer|flyers ~4 about|of|naming|accusing|with|"
            "showing ~2 her|him|victim|photo|picture|name|address",
            "write|wrote|written|create|created|make|made|set ~3 website|blog|page|pages|group",
            "tell|told|telling ~3 everyone|people|others|community|neighbours|colleagues",
        ),
        vetoes=(
            veto("send sent", after="to_police"),
            veto("leaflet leaflets", after="left given handed provided issued"),
            veto("leaflet leaflets", before="services support advice information safety"),
        ),
        unless=("impersonation",),
    ),
    Behaviour(
        "ordering_in_name",
        "ordered goods or services in her name",
        "act",
        channel="online",
        four="O",
        patterns=(
            "order|ordered|ordering|book|booked|booking|sign|signed|subscribe|subscribed|register|"
            "registered|apply|applied ~5 in ~2 name|names",
            "sign|signed|signing ~1 her|him|me|victim|them ~1 up",
            "taxis|taxi|takeaway|takeaways|pizza|pizzas|deliveries|catalogues|subscriptions ~4 "
            "ordered|arrived|turned|arriving|sent|delivered|booked",
            "unordered|unrequested",
        ),
    ),
    Behaviour(
        "third_party_contact",
        "contacted people around her",
        "act",
        channel="offline",
        four="U",
        sdash=("Q7",),
        patterns=(
            "contact|contacted|contacting|message|messaged|messaging|ring|rang|call|called|"
            "phone|phoned|text|texted|email|emailed|write|wrote|approach|approached|visit|"
            "visited|turn|turned|go|went|ask|asked|tell|told|harass|harassed|harassing|"
            "threaten|threatened|pester|pestered ~2 her|his|my|victim's|their|new|the ~1 "
            "@third|@new_partner",
            "@third|@new_partner|@third ~3 receive|received|receiving|get|got|getting|also|been ~2 "
            "message|messages|call|calls|text|texts|letters|contacted|visit|visits|threats",
            "@third|@new_partner|@third ~2 have|has|had ~2 also ~2 been ~1 contacted|targeted|"
            "approached|threatened",
            "ring|rang|call|called|phone|phoned|contact|contacted|email|emailed ~3 employer|"
            "work|workplace|office|manager|boss|hr|school|college|university|site|shop|practice|"
            "surgery|salon|hospital|store|reception|company|firm|business|staff|colleagues|"
            "coworkers|employees|workmates",
            "send|sent|sending|message|messaged|messaging|contact|contacted|contacting|email|"
            "emailed|write|wrote|text|texted ~4 to ~2 @third|others|people|everyone|friends|"
            "family|colleagues",
            "third ~1 parties|party",
        ),
        vetoes=(veto("call called", after="police 999 911"),),
    ),
    Behaviour(
        "recruiting_others",
        "got others to contact, watch or find her",
        "act",
        channel="offline",
        four="O",
        sdash=("Q9",),
        patterns=(
            "get|got|getting|ask|asked|asking|use|used|using|send|sent|enlist|enlisted|recruit|"
            "recruited|persuade|persuaded|encourage|encouraged|pay|paid ~4 friend|friends|"
            "family|others|people|associates|brother|sister|mother|father|someone|somebody|"
            "private|investigator|detective|man|men|woman ~4 to ~3 contact|message|call|follow|"
            "watch|find|locate|visit|pass|deliver|harass|intimidate|check",
            "on ~1 his|her|their ~1 behalf",
            "private ~1 investigator|detective|detectives|investigators",
            "pass|passing|passed ~2 message|messages ~2 through|via|from",
            "flying ~1 monkeys",
        ),
    ),
    Behaviour(
        "threats",
        "threatened her",
        "act",
        channel="offline",
        four="U",
        sdash=("Q6",),
        patterns=(
            "threat|threaten|threatening|threatened|threats|menace|menacing|intimidate|"
            "intimidating|intimidated|intimidation",
            "would|will|'ll|gonna|wanna|to|should|could|might ~2 kill|hurt|harm|burn|stab|shoot|"
            "rape|beat|batter|smash|strangle|murder|get|destroy|ruin|slit|cut|bury|torch ~2 "
            "@victim|you|herself|himself|yourself|myself|her|house|car|face|family|kids|children|"
            "life|throat|head",
            "kill ~1 you|u|ya",
            "kill|harm|hurt ~1 himself|herself|myself|themselves",
            "gun|knife|knives|firearm|pistol|rifle|machete|weapon|bat|hammer ~3 brandish|"
            "brandished|brandishing|point|pointed|pointing|wave|waved|waving|show|showed|"
            "produce|produced|display|displayed|pull|pulled|draw|drew|holding|held",
            "brandish|brandished|brandishing|point|pointed|pointing|wave|waved|waving|produce|"
            "produced|pull|pulled|draw|drew ~3 gun|knife|knives|firearm|pistol|rifle|machete|"
            "weapon|bat|hammer",
            "regret|sorry|pay ~2 for ~1 it|this|that",
            "watch ~1 your ~1 back",
            "nobody|no ~1 one ~2 would|else|will|gonna",
            "if ~1 he|she ~1 can't|cannot|couldn't ~3 have|be ~3 nobody|no|one|else",
            "you'll ~1 regret|pay|see|be",
            "dead|die|death|dying ~2 bitch|you|woman|soon",
            "going ~1 to ~1 kill|hurt|get|find|ruin|burn|stab|shoot",
            "gonna ~1 kill|hurt|get|find|ruin|burn|stab|shoot",
            "blackmail|blackmailed|blackmailing|extort|extorted|extortion|sextortion",
        ),
        vetoes=(
            veto("threat threats", before="no low"),
            veto("threatening threatened", before="life - non"),
            veto("threatening", after="injury injuries condition"),
        ),
    ),
    Behaviour(
        "violence",
        "was violent",
        "act",
        channel="offline",
        four="",
        sdash=("Q8",),
        patterns=(
            "assault|assaulted|assaulting|attack|attacked|attacking|punch|punched|punching|"
            "kick|kicked|kicking|slap|slapped|slapping|strangle|strangled|strangling|choke|"
            "choked|choking|throttle|throttled|headbutt|headbutted|hit|hitting|beat|beaten|"
            "beating|stab|stabbed|stabbing|shoot|shot|shooting|shootings|stamp|stamped|bite|bit|"
            "bitten|strike|struck|batter|battered|battery|wound|wounded|wounding|injure|injured|"
            "injuries|injury|gunfire|gunshot|gunshots|homicide|murder|murdered|manslaughter|"
            "rape|raped|abh|gbh|fight|fighting|brawl",
            "push|pushed|pushing|shove|shoved|shoving|grab|grabbed|grabbing|drag|dragged|"
            "dragging|pin|pinned|restrain|restrained|throw|threw|thrown|spit|spat|spitting ~2 "
            "@victim|against|to|into|onto|her|by|at",
            "hands ~1 around ~1 neck|throat",
            "physically ~2 assault|assaulted|harass|harassed|attack|attacked|abuse|abused|hurt|"
            "restrain|restrained|grab|grabbed|aggressive|violent",
            "sexual|sexually ~1 assault|assaulted|touching|touched",
            "domestic ~1 violence|assault",
        ),
        vetoes=(
            veto("hit", after="and_run and-run"),
            veto("shot", before="photo mug screen head"),
            veto("shoot", after="photos video film"),
            veto("fight fighting", before="food pillow"),
            veto("strike struck", after="off out"),
            veto("bit", before="a little bit_of"),
            veto("pin", after="number code"),
            veto("beat", after="officer officers"),
            veto("battery", before="car phone flat low dead"),
            veto("battery", after="charger pack"),
            veto("throw threw thrown", after="away out in"),
            veto("injured", after="party parties person"),  # "the injured party": the victim
        ),
        unless=("threats", "property_damage"),
    ),
    Behaviour(
        "breach",
        "went on after being told to stop",
        "act",
        channel="offline",
        four="U",
        patterns=(
            "breach|breached|breaching|breaches|violate|violated|violating|violation|"
            "contravene|contravened",
            "despite ~6 warning|warnings|warned|told|advice|advised|order|orders|asked|asking|"
            "requests|request|block|blocked|bail|pin|injunction|notice|letter|conditions|"
            "condition|arrest|arrested|caution|cautioned|charge|charged|reports|police|court",
            "order|orders|warning|warnings|reports|arrest|injunction|conditions|caution ~3 not ~2 "
            "stop|stopped|deter|deterred",
            "ignore|ignored|ignoring|disregard|disregarded ~3 warning|warnings|advice|request|"
            "requests|order|injunction|notice|pleas|her|requests",
            "even ~1 though|after ~4 told|asked|warned|blocked|ended",
            "told|asked|warned|begged ~3 to ~1 stop|leave|not|cease ~6 but|still|continued|"
            "carried|kept|again",
            "continued|continues|continue|carried|carries|keeps|kept ~3 despite|regardless|anyway",
        ),
        vetoes=(veto("breach breached", after="of_the_peace peace"),),
    ),
)

# -- Context (S-DASH history and the look-alikes' situations) -------------------------------

_declare(
    Behaviour(
        "fear_impact",
        "she is frightened or her life has changed",
        "context",
        sdash=("Q1",),
        patterns=(
            "frightened|terrified|scared|afraid|fearful|fear|fears|petrified|shaking|hunted|"
            "distressed|distraught|alarmed|anxious|anxiety|panic|panicking|paranoid|traumatised|"
            "traumatized|intimidated|unsafe|worried|vulnerable|upset|crying|tearful|nervous|"
            "trapped|hysterical|sleepless",
            "change|changed|changing|alter|altered|vary|varied ~3 route|routes|routine|routines|"
            "number|locks|job|car|address|phone|name",
            "cannot|can't|unable|struggling|struggles|afraid|scared|frightened ~3 sleep|sleeping|"
            "eat|eating|work|leave|go|cope",
            "not ~2 sleep|sleeping|eating|coping|cope",
            "stop|stopped ~1 go|going|leaving|walking|using",
            "move|moved|moving|relocate|relocated ~3 house|home|out|away|area|address|"
            "city|town|refuge|job|mum|mother|parents|friend",
            "off ~1 work|sick",
            "panic ~1 alarm|button",
            "look|looking ~2 over ~1 shoulder",
            "afraid|scared|fear|frightened ~2 to|for ~1 go|leave|life|safety",
            "mental ~1 health ~3 suffer|suffered|suffering|impact|affected|effect",
            "impact|effect ~3 on ~2 life|health|wellbeing|work|children|sleep",
        ),
        vetoes=(veto("fear fears", after="of_crime"), veto("upset", before="not")),
    ),
    Behaviour(
        "separation",
        "their relationship has ended",
        "context",
        patterns=(
            "ex|ex-partner|ex-boyfriend|ex-girlfriend|ex-husband|ex-wife|ex-fiance|ex-fiancee|"
            "expartner|exboyfriend|exgirlfriend|former|estranged|divorced|divorce|separated",
            "separate|split|break|broke|broken|breaking ~2 up",
            "relationship|marriage|engagement ~3 end|ended|over|finished|broke|broken|ceased",
            "end|ended|finish|finished|call|called ~1 it|off|things",
            "left|leave ~2 him|her|husband|wife|partner|boyfriend|girlfriend|relationship",
            "no ~1 longer ~2 together|in|partners|seeing",
            "break-up|breakup|separation|split",
            "dumped|dump",
        ),
        vetoes=(
            veto(
                "former",
                after="employee employer colleague colleagues member manager "
                "tenant neighbour address home house friend",
            ),
            veto("break broke broken", after="up_fight up_the"),
            veto("left leave", after="with"),  # "leaflet left with her", "left with a warning"
        ),
    ),
    Behaviour(
        "fixation",
        "he is fixated on her",
        "context",
        four="F",
        patterns=(
            "obsess|obsessed|obsessive|obsession|fixate|fixated|fixation|infatuate|infatuated|"
            "infatuation|besotted|preoccupied|preoccupation",
            "love ~2 her|you|me|him",
            "in ~1 love",
            "won't|will ~1 not|cannot|can't|refuse|refuses|refused|unable|doesn't|does ~1 not ~2 "
            "accept|let|move|leave|give",
            "get|getting|got ~2 back ~1 together",
            "want|wants|wanted|wanting|demand|demands|demanding|beg|begging|begged|plead|"
            "pleading ~4 relationship|reconcile|reconciliation|back|together|date|marry|"
            "meet|see",
            "reconcile|reconciliation|soulmate|destiny|meant ~1 to ~1 be",
            "believe|believes|believed|convinced|claims|thinks ~4 relationship|love|married|"
            "together|destined",
            "belong|belongs ~2 to ~1 him|me",
            "mine",
        ),
        vetoes=(veto("love", before="i_would"),),
    ),
    Behaviour(
        "repeated",
        "it keeps happening",
        "context",
        four="R",
        patterns=(
            "again|repeatedly|constantly|continually|continuously|persistently|relentlessly|"
            "incessantly|ongoing|recurring|=repeated|persistent|constant|continual|"
            "regularly|daily|nightly|weekly|frequently|anymore|=latest",
            "still|further|another|more|new ~3 message|messages|call|calls|contact|text|texts|"
            "letter|letters|incident|incidents|report|reports|visit|visits|email|emails|parcel|"
            "occasion|occasions|harassment|calling|messaging|texting|contacting|sending|turning|"
            "coming|following|happening|ongoing|continuing|drive-by|drive-bys|act|acts|"
            "approach|approaches|sighting|sightings",
            "keep|keeps|kept|keeping|continue|continues|continued|continuing|persist|persists|"
            "persisted|carry|carries|carried ~1 on|to|contacting|calling|messaging|texting|"
            "turning|coming|sending|following",
            "numerous|multiple|many|several|countless|dozens|hundreds|various ~2 "
            "occasions|times|occasion|incidents|reports|messages|calls|texts|visits|emails|"
            "letters|days|weeks|months",
            "every ~1 day|night|week|morning|evening|weekend|time",
            "over ~2 past|last ~2 weeks|months|years|days",
            "since ~3 january|february|march|april|may|june|july|august|september|october|"
            "november|december|last|we|she|they|the ~1 split|separation|breakup|break-up|"
            "incident|report|summer|christmas|start",
            "second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth ~2 time|report|"
            "incident|occasion",
            "same ~1 as ~1 before|previous|last",
            "=times",
            "x2|x3|x4|x5|x6|x7|x8|x9|x10",
        ),
        vetoes=(veto("another", after="vehicle person car man woman male female officer unit"),),
    ),
    Behaviour(
        "prior_reports",
        "previous reports, warnings or convictions",
        "context",
        sdash=("Q2",),
        patterns=(
            "previous|prior|earlier|past|historic|historical|previously ~3 report|reports|"
            "reported|incident|incidents|complaint|complaints|call|calls|history|warning|"
            "warnings|conviction|convictions|arrest|arrests|arrested|allegation|allegations|"
            "log|logs|crime|crimes|harassment|stalking|occasions",
            "history ~1 of",
            "warning|warnings ~1 letter|notice|notices|issued|given|served",
            "harassment|information|pin|police ~1 warning|notice|information",
            "restraining|non-molestation|protection|protective|injunction|occupation|stalking|"
            "exclusion|no-contact|nmo|spo|cpo|sho ~1 order|orders|notice",
            "injunction|injunctions|convicted|conviction|convictions|cautioned|probation|parole",
            "known ~1 to ~1 police",
            "already ~2 reported|warned|arrested|told|spoken",
            "on ~1 file",
            "other ~1 victim|victims|women|woman|partners|exes",
            "reported|report ~2 before|previously",
        ),
        vetoes=(
            veto("charge", after="of_the sheet"),
            veto("caution", before="with"),
            veto("bail", before="on_police"),
        ),
    ),
    Behaviour(
        "past_violence",
        "known past violence",
        "context",
        sdash=("Q11",),
        patterns=(
            "previous|prior|past|history|historic|known|record|convictions|conviction ~4 "
            "violence|violent|assault|assaults|abuse|dv|gbh|abh|attack|attacks",
            "violent ~1 history|past|record|man|person|offender|partner",
            "history ~1 of ~2 violence|assault|abuse|dv|domestic",
            "previously ~2 assaulted|attacked|strangled|hit|beaten|beat|violent|abused",
            "domestic ~1 abuse|violence ~2 history|before|previously|past|when",
        ),
    ),
    Behaviour(
        "substance_mental",
        "drink, drugs or mental health",
        "context",
        sdash=("Q10",),
        patterns=(
            "=drunk|=intoxicated|=inebriated|alcohol|alcoholic|=drinking|booze|cannabis|cocaine|"
            "heroin|meth|methamphetamine|amphetamine|spice|drugs|drug|overdose|"
            "substance|addict|addiction|addicted|pcp|crack|ketamine|opioid",
            "mental ~1 health|illness|ill|disorder|crisis",
            "psychosis|psychotic|schizophrenia|schizophrenic|bipolar|delusional|delusion|"
            "delusions|paranoia|sectioned|5150|suicidal|breakdown|unstable",
            "under ~2 influence",
            "was|were|is|appeared|seemed|looked|got|getting ~1 =high|=stoned|=wasted",
        ),
        vetoes=(
            veto("high", after="street school court risk speed level levels visibility"),
            veto("drug", after="store dealer"),
        ),
    ),
    Behaviour(
        "issue_dispute",
        "a dispute about an issue",
        "context",
        patterns=(
            "dispute|disagreement|row|argument|complaint|complaints|complaining|feud|"
            "grievance ~3 about|over|regarding|re|concerning|with ~3 noise|music|=parking|=parked|"
            "driveway|boundary|fence|hedge|hedges|bins|bin|rubbish|extension|tree|trees|cctv|"
            "debt|loan|rent|arrears|money|owed|business|contract|planning|dog|dogs|barking|"
            "work|job|wages|pay|property|land|access|car|deposit",
            "noise|=parking|boundary|fence|hedge|planning|neighbour|neighbours|neighbor|"
            "neighbors|landlord|tenant|tenancy|business|money|debt|rent|property|land|"
            "inheritance|will|customer|client|contract|work|employment|council ~2 dispute|"
            "disputes|disagreement|issue|issues|complaint|complaints|row|feud|grievance",
            "owe|owes|owed|owing|borrow|borrowed|lend|lent|repay|repaid|loan|debt ~3 money|"
            "rent|debt|pounds|dollars|£|$|him|her|them",
            "ask|asking|demand|demanding|chase|chasing ~3 money|rent|debt|loan|payment|repayment",
            "disciplinary|tribunal|grievance|redundancy|refund|compensation|lawsuit|litigation",
            "court ~1 case",
            "planning ~1 permission|application|dispute|objection",
            "noise|barking|music|=parking|=parked|bins|rubbish|leylandii|overgrown",
        ),
    ),
    Behaviour(
        "mutual_conflict",
        "both sides in conflict",
        "context",
        patterns=(
            "both ~1 parties|sides|individuals|persons|men|women|males|females|families",
            "both ~1 of ~1 them",
            "each ~1 other",
            "one ~1 another",
            "counter ~1 allegation|allegations|claim|claims|complaint",
            "counter-allegation|counter-allegations|counterclaim|mutual|cross-allegations|"
            "cross-complaint",
            "argument|arguments|argue|argued|arguing|altercation|altercations|quarrel|"
            "quarrelled|fight|fighting|scuffle|squabble",
            "shouting ~1 match",
            "fight|fought|hit|pushed|punched|struck|shoved|slapped ~1 back",
            "provoke|provoked|provocation|goaded",
            "counter-complaint|cross-complaint",
            "verbal ~1 argument|altercation|dispute|exchange",
            "between ~3 and",
            "retaliate|retaliated|retaliation|tit-for-tat",
        ),
        vetoes=(veto("between", before="distance time"),),
    ),
    Behaviour(
        "child_contact",
        "child contact or custody",
        "context",
        patterns=(
            "child|children|kids|contact|access|custody|visitation ~1 arrangement|arrangements|"
            "order|orders|rights|visit|visits|schedule|dispute|hearing",
            "handover|handovers|hand-over|hand-overs|pick-up|drop-off|exchange",
            "custody|access|visitation|contact ~3 child|children|kids|son|daughter|baby",
            "child|children|kids|son|daughter|baby ~3 custody|access|visitation|contact",
            "family ~1 court|courts|law",
            "co-parent|co-parenting|coparent|coparenting|cafcass|maintenance|csa",
            "see ~1 the|his|her|their ~1 children|kids|son|daughter|child|baby",
        ),
        vetoes=(
            veto("handover handovers hand-over", before="shift team crime case log formal"),
            veto("handover handovers hand-over", after="to of package"),
            veto("exchange", after="of_fire numbers words insurance details"),
            veto("custody", before="into in police taken custody_suite"),
            veto("access", after="to_the the_property the_building"),
        ),
    ),
    Behaviour(
        "current_relationship",
        "they are together now",
        "context",
        patterns=(
            "live|lives|living|lived ~1 together",
            "current|currently ~2 partner|boyfriend|girlfriend|husband|wife|together|"
            "relationship|married|dating|seeing|living",
            "still ~2 together|married|in|living|seeing|dating|relationship",
            "cohabit|cohabiting|cohabitee|cohabitant|cohabitating|co-habit|co-habiting",
            "partner|boyfriend|girlfriend|fiance|fiancee ~1 of ~2 years|months",
            "in ~1 a ~2 relationship ~1 with",
            "shared|joint|family|marital|matrimonial ~1 home|address|house|flat|bedroom",
        ),
        unless=("separation",),
        vetoes=(
            veto("married", before="was_once not"),
            veto("home address house flat bedroom", before="former previous old"),
            veto(
                "husband wife partner boyfriend girlfriend married spouse fiance fiancee",
                before="ex - former estranged new previous late",
            ),
        ),
    ),
    Behaviour(
        "group_youths",
        "a group of youths",
        "context",
        patterns=(
            "group|gang|bunch|crowd|groups|gangs ~3 youths|teenagers|teens|kids|lads|boys|"
            "girls|children|juveniles|young|males|men",
            "youths|teenagers|teens|juveniles|youngsters|hoodies",
        ),
    ),
    Behaviour(
        "unsubstantiated",
        "the report is not supported",
        "context",
        patterns=(
            "no ~1 evidence|offence|offences|crime|trace|sign|signs|further ~3 found|of|"
            "disclosed|to ~1 support|committed|identified",
            "unfounded|unsubstantiated|unsupported|fabricated|delusional|no-crime|acquitted|"
            "acquittal|exonerated|withdrew|withdrawn|retracted|recanted",
            "false|malicious|vexatious|fabricated|made-up ~1 report|reports|allegation|"
            "allegations|claim|claims|accusation|accusations|complaint|complaints",
            "not ~2 support|supporting|substantiated|corroborated",
            "not ~1 want|wish ~3 prosecution|prosecute|police|action|statement|proceed|charges|"
            "complaint|involvement|pursue|support",
            "cctv|footage|enquiries|inquiries|=checks ~4 contradict|contradicted|contradicts|"
            "disprove|disproved|disproves",
            "made ~1 up",
            "no ~1 further ~1 action",
            "unable ~1 to ~1 locate|identify|substantiate|find|confirm",
            "unfounded|unfounded",
        ),
        vetoes=(veto("false", after="alarm alarms"),),
    ),
)


def behaviour_records() -> dict[str, Behaviour]:
    """Every behaviour record by id, in declaration order (acts first, then context)."""
    return {name: registry.get(name) for name in registry.get_all()}


BEHAVIOURS: tuple[str, ...] = tuple(behaviour_records())
"""Every behaviour id, acts first (feature order)."""
ACTS: tuple[str, ...] = tuple(b.id for b in behaviour_records().values() if b.kind == "act")
"""Behaviours that are acts by someone."""
CONTEXTS: tuple[str, ...] = tuple(b for b in BEHAVIOURS if b not in ACTS)
"""Behaviours that describe the situation."""
ONLINE: frozenset[str] = frozenset(
    b.id for b in behaviour_records().values() if b.channel == "online"
)
"""Acts done through technology (calls, messages, accounts, tracking ...)."""
OFFLINE: frozenset[str] = frozenset(
    b.id for b in behaviour_records().values() if b.channel == "offline"
)
"""Acts done in person or physically."""
