"""Phrase bank for stalking behaviours, and the slots, context and outcomes every note shares.

Format (shared with :mod:`stalkflag.synth._lookalike_phrases`): each behaviour has
``did`` (past-tense clauses with a subject slot), ``ger`` (gerund phrases for denials and
worries), ``if`` (present-tense clauses for hypotheticals) and a ``channel``. Slots in braces
are filled by :mod:`stalkflag.synth._render`. Acts follow s2A(3) of the Protection from
Harassment Act 1997 and the technology-enabled behaviours in ``shared/DOMAIN.md``.
"""

from __future__ import annotations

STALKING_BEHAVIOURS: dict[str, dict[str, object]] = {
    "follow": {
        "channel": "offline",
        "did": [
            "{S} followed {Vo} home from {place}",
            "{S} followed {Vo} from {place} to {Vp} car",
            "{S} has been following {Vo} around {when}",
            "{S} drove behind {Vo} all the way to {place}",
            "{S} walked behind {Vo} through town and stopped whenever {Vs} stopped",
            "{S} got on the same bus as {Vo} and got off at {Vp} stop",
            "{Vs} noticed {So} behind {Vo} again on the way to {place}",
            "{S} was seen trailing {Vo} in {Sp} {vehicle}",
            "{S} turned up at {place} minutes after {Vs} arrived, which {Vs} said cannot be a coincidence",
            "{Vs} saw {So} following {Vo} in the supermarket, aisle to aisle",
        ],
        "ger": ["following {Vo}", "following {Vo} home", "driving behind {Vo}", "trailing {Vo} around town"],
        "if": ["follows {Vo} again", "is seen following {Vo}", "drives behind {Vo} again", "follows {Vo} home"],
    },
    "calls": {
        "channel": "phone",
        "did": [
            "{S} rang {Vo} {n} times {when}",
            "{S} has been calling {Vo} constantly, {n} missed calls {when}",
            "{S} kept ringing {Vp} mobile and hanging up",
            "{Vs} received {n} calls from {So} in one evening",
            "{S} called {Vo} repeatedly through the night",
            "{S} phoned {Vp} landline over and over until {Vs} unplugged it",
            "{S} left {n} voicemails, some crying and some shouting",
            "{S} continued to call {Vo} despite being told to stop",
        ],
        "ger": ["calling {Vo}", "ringing {Vp} phone", "phoning {Vo} at all hours"],
        "if": ["calls {Vo} again", "rings {Vo} again", "keeps phoning"],
    },
    "messages": {
        "channel": "online",
        "did": [
            "{S} sent {Vo} {n} messages {when}",
            "{S} has been messaging {Vo} on {app} every day",
            "{S} bombarded {Vo} with texts asking where {Vs} was",
            "{S} sent long messages begging {Vo} to take {So} back",
            "{Vs} received {n} whatsapps from {So}, some loving and some abusive",
            "{S} kept texting {Vo} even after {Vs} asked {So} to stop",
            "{S} messaged {Vo} saying {Sp} life was nothing without {Vo}",
            "{S} sent voice notes on {app} late at night",
            "{S} emailed {Vo} at work {n} times",
        ],
        "ger": ["messaging {Vo}", "texting {Vo}", "sending {Vo} messages"],
        "if": ["messages {Vo} again", "texts {Vo} again", "makes any further contact"],
    },
    "new_number": {
        "channel": "online",
        "did": [
            "{S} contacted {Vo} from a new number after {Vs} blocked {So}",
            "{Vs} blocked {So} on {app} but {S} set up another account to message {Vo}",
            "{S} has used {n} different numbers to get round being blocked",
            "messages kept coming from withheld and unknown numbers, which {Vs} believed were {So}",
            "{S} created a second {app} account after {Vs} blocked the first",
            "{S} rang from a private number and stayed silent on the line",
        ],
        "ger": ["using new numbers to contact {Vo}", "making new accounts to reach {Vo}"],
        "if": ["makes contact from another number", "sets up another account"],
    },
    "turn_up_home": {
        "channel": "offline",
        "did": [
            "{S} turned up at {Vp} address {when} and would not leave",
            "{S} came to {Vp} house and banged on the door for twenty minutes",
            "{S} attended {Vp} home address uninvited",
            "{S} appeared on {Vp} doorstep at {time_of_day}",
            "{S} got into {Vp} back garden and knocked on the windows",
            "{S} has come to the flat {n} times since {separation_when}",
            "{S} was waiting at {Vp} front door when {Vs} got home",
            "{S} rang the doorbell repeatedly at {time_of_day}",
        ],
        "ger": ["attending {Vp} address", "going to {Vp} house", "turning up at {Vp} home"],
        "if": ["returns to the address", "turns up at the house again", "attends {Vp} home again"],
    },
    "turn_up_work": {
        "channel": "offline",
        "did": [
            "{S} turned up at {Vp} work again",
            "{S} came into {Vp} workplace and asked colleagues where {Vs} was",
            "{S} waited in the car park at {Vp} work until {Vp} shift ended",
            "{S} attended {Vp} place of work {n} times this month",
            "{S} was outside {Vp} office when {Vs} left at {time_of_day}",
            "{S} rang {Vp} work asking what shifts {Vs} was on",
        ],
        "ger": ["going to {Vp} work", "attending {Vp} workplace", "waiting outside {Vp} work"],
        "if": ["turns up at {Vp} work again", "attends {Vp} workplace"],
    },
    "loiter": {
        "channel": "offline",
        "did": [
            "{S} was sitting outside {Vp} address in {Sp} {vehicle}",
            "{S} has been hanging around at the end of {Vp} road",
            "{S} was seen parked opposite the house for over an hour",
            "neighbours saw {So} loitering near {Vp} flat {when}",
            "{S} waited at {place} knowing {Vs} goes there",
            "{S} sat in {Sp} {vehicle} outside the house with the engine running",
            "{S} stood across the road from {Vp} address at {time_of_day}",
        ],
        "ger": ["hanging around {Vp} road", "sitting outside {Vp} address", "waiting near {Vp} house"],
        "if": ["is seen outside the address", "waits outside again", "comes back to the road"],
    },
    "watch": {
        "channel": "offline",
        "did": [
            "{S} was watching {Vo} from across the road",
            "{S} has been watching {Vp} house",
            "{Vs} caught {So} looking through {Vp} windows",
            "{S} was seen taking photographs of {Vo} at {place}",
            "{S} knew what {Vs} had been wearing {when}, so must have been watching {Vo}",
            "{S} stared at {Vo} through the window of {place}",
            "{Vs} spotted {So} watching {Vo} from {Sp} {vehicle}",
        ],
        "ger": ["watching {Vo}", "watching the house", "taking photos of {Vo}"],
        "if": ["is seen watching {Vo} again", "watches the house"],
    },
    "monitor_online": {
        "channel": "online",
        "did": [
            "{S} commented on where {Vs} had been {when}, which was only on {Vp} private instagram",
            "{S} has been viewing every story {Vs} posts from several accounts",
            "{S} knew who {Vs} had been out with, from {Vp} social media",
            "{S} messaged {Vo} about photos {Vs} had only just posted",
            "{S} got {third} to add {So} on facebook so {Sp} mates could see {Vp} posts",
            "{S} seemed to know {Vp} plans before {Vs} told anyone",
        ],
        "ger": ["monitoring {Vp} social media", "checking {Vp} accounts"],
        "if": ["monitors {Vp} accounts", "views {Vp} profile again"],
    },
    "tracker": {
        "channel": "online",
        "did": [
            "{Vs} found an airtag hidden in {Vp} car",
            "a tracking device was found under {Vp} car bumper",
            "{Vs} received an alert that an unknown airtag was travelling with {Vo}",
            "an airtag was found sewn into the lining of {child}'s coat after a contact visit",
            "{S} turned up wherever {Vs} went, and a gps tracker was later found on the car",
            "{Vs} found a tile tracker in {Vp} handbag",
        ],
        "ger": ["tracking {Vo}", "putting a tracker on {Vp} car"],
        "if": ["tracks {Vp} location", "places another tracker"],
    },
    "account_access": {
        "channel": "online",
        "did": [
            "{S} logged into {Vp} email and changed the password",
            "{S} accessed {Vp} instagram account and read {Vp} messages",
            "{Vs} was locked out of {Vp} {app} account and believed {S} had done it",
            "{S} still had {Vp} icloud password and was reading {Vp} messages",
            "{S} used {Vp} find my iphone to see where {Vs} was",
            "{S} never turned off location sharing on {Vp} phone and kept turning up where {Vs} was",
            "{Vs} found a spyware app on {Vp} phone after {S} had it to fix",
        ],
        "ger": ["accessing {Vp} accounts", "reading {Vp} emails", "tracking {Vp} phone"],
        "if": ["accesses {Vp} accounts again", "logs into {Vp} email"],
    },
    "fake_profile": {
        "channel": "online",
        "did": [
            "{S} set up a fake profile to message {Vo}",
            "a fake account in {Vp} name has been messaging {Vp} friends",
            "{S} pretended to be someone else online to get close to {Vo}",
            "{S} made a profile using {Vp} photos",
            "{Vs} was contacted by an account {Vs} believed was {So} under another name",
        ],
        "ger": ["using fake profiles", "pretending to be {Vo} online"],
        "if": ["sets up another fake account", "uses another profile"],
    },
    "publish_info": {
        "channel": "online",
        "did": [
            "{S} posted {Vp} new address on facebook",
            "{S} shared private photos of {Vo} online",
            "{S} posted about {Vo} in a local community group, naming {Vp} workplace",
            "{S} uploaded screenshots of {Vp} messages to a public page",
            "{S} put {Vp} phone number on a website",
        ],
        "ger": ["posting about {Vo} online", "sharing {Vp} details"],
        "if": ["posts about {Vo} again", "shares any more images"],
    },
    "third_party_contact": {
        "channel": "online",
        "did": [
            "{S} has been contacting {third} to ask about {Vo}",
            "{S} turned up at {third}'s house asking where {Vs} was living",
            "{S} messaged {Vp} new partner with threats",
            "{S} rang {Vp} employer claiming {Vs} was stealing",
            "{S} got a friend to pass messages to {Vo}",
            "{S} asked {third} to keep an eye on {Vo} and report back",
            "{third} received {n} messages from {So} asking about {Vo}",
        ],
        "ger": ["contacting {Vp} family", "contacting {third}"],
        "if": ["contacts {Vp} family again", "contacts {third}"],
    },
    "gifts": {
        "channel": "offline",
        "did": [
            "{S} left flowers and a letter on {Vp} doorstep",
            "{S} sent gifts to {Vp} workplace",
            "{Vs} received a parcel with a card from {So}",
            "{S} left a card under {Vp} windscreen wiper",
            "{S} posted letters through the door every day {when}",
            "a bunch of flowers with no note was left on {Vp} car",
        ],
        "ger": ["leaving gifts for {Vo}", "sending {Vo} letters"],
        "if": ["leaves anything else", "sends any more gifts"],
    },
    "property_damage": {
        "channel": "offline",
        "did": [
            "{Vp} tyres were slashed {when}",
            "{S} scratched {Vp} car",
            "{S} smashed {Vp} kitchen window",
            "{S} poured paint over {Vp} car",
            "{Vp} car was keyed while parked outside the house",
            "{S} damaged {Vp} front door trying to get in",
        ],
        "ger": ["damaging {Vp} car", "causing damage to the property"],
        "if": ["causes any damage", "damages the car again"],
    },
    "threats": {
        "channel": "online",
        "did": [
            "{S} said if {Sp} could not have {Vo} nobody would",
            "{S} threatened to kill {Vo}",
            "{S} told {Vo} {Vs} would regret leaving {So}",
            "{S} threatened to hurt {Vp} new partner",
            "{S} threatened to share intimate photos of {Vo}",
            "{S} said {Sp} knew where {Vs} lived now and {Vs} had better watch out",
            "{S} threatened to burn the house down",
        ],
        "ger": ["threatening {Vo}", "making threats"],
        "if": ["makes any threats", "threatens {Vo} again"],
    },
    "breach_warning": {
        "channel": "offline",
        "did": [
            "{S} made contact despite being given a police warning {when}",
            "{S} turned up again although {Sp} bail conditions say {Sp} must not contact {Vo}",
            "{S} breached a non-molestation order by messaging {Vo}",
            "{S} carried on after {Vs} told {So} clearly to stay away",
            "{S} ignored the words of advice given by officers last week",
        ],
        "ger": ["breaching {Sp} bail conditions", "ignoring the warning"],
        "if": ["breaches {Sp} conditions", "ignores the advice"],
    },
    "order_in_name": {
        "channel": "online",
        "did": [
            "takeaways and parcels {Vs} never ordered have been arriving in {Vp} name",
            "{S} signed {Vo} up to dating sites and mailing lists",
            "{S} ordered items to {Vp} address in {Vp} name",
        ],
        "ger": ["ordering things in {Vp} name"],
        "if": ["orders anything else in {Vp} name"],
    },
}

SHARED_SLOTS: dict[str, list[str]] = {
    "place": [
        "the gym", "the shops", "work", "the bus stop", "the station", "the pub", "the school gates",
        "the supermarket", "{Vp} friend's house", "the park", "the leisure centre", "town",
        "the nursery", "the hospital car park", "the petrol station", "{Vp} mum's",
    ],
    "when": [
        "last night", "yesterday", "this morning", "over the weekend", "on tuesday", "on friday night",
        "this week", "since the weekend", "in the last few days", "earlier today", "on saturday",
        "in the early hours", "over the past fortnight", "on boxing day", "at lunchtime",
    ],
    "time_of_day": [
        "2am", "midnight", "6 in the morning", "about 11pm", "tea time", "3 in the morning", "half 10",
    ],
    "vehicle": ["car", "van", "silver corsa", "black audi", "works van", "taxi", "motorbike"],
    "app": ["whatsapp", "instagram", "snapchat", "facebook", "tiktok", "messenger", "text"],
    "third": [
        "{Vp} mother", "{Vp} sister", "{Vp} best friend", "{Vp} dad", "{Vp} brother",
        "{Vp} manager", "{Vp} new partner", "{Vp} colleagues", "{Vp} aunt",
    ],
    "child": ["their son", "their daughter", "the children", "the kids", "the youngest"],
    "separation_when": [
        "they split up", "the relationship ended", "{Vs} ended it", "{Vs} moved out",
        "christmas", "the break up",
    ],
}

CONTEXT: dict[str, list[str]] = {
    "separated": [
        "{Vs} and {So} were together for {years} years and separated {ago}",
        "the relationship ended {ago}",
        "{Vs} ended the relationship {ago} because of {Sp} behaviour",
        "they broke up {ago} and {Vs} has moved on",
        "{Vs} told {So} {ago} that the relationship was over",
        "{S} has not accepted that the relationship is over",
        "they were together on and off for {years} years; {Vs} finished it {ago}",
    ],
    "met_once": [
        "{Vs} met {So} {ago} at {place}",
        "{Vs} went on one date with {So} {ago}",
        "{S} is someone {Vs} knew from {place}",
        "{S} is a friend of a friend {Vs} met at a party",
        "{Vs} turned down {Sp} advances {ago}",
    ],
    "colleague": [
        "{S} works with {Vo}",
        "{S} used to work with {Vo} and left the company {ago}",
        "{S} became fixated on {Vo} after a work night out",
        "{Vs} reported {So} to HR {ago}",
    ],
    "stranger": [
        "{Vs} does not know {So}",
        "{Vs} first noticed {So} {ago}",
        "the male is unknown to {Vo}",
        "{Vs} has no idea who {S} is",
    ],
    "online_contact": [
        "{Vs} only knows {So} online",
        "{Vs} met {So} in an online game {ago}",
        "{S} first contacted {Vo} through instagram {ago}",
        "{Vs} has never met {So} in person",
    ],
    "current": [
        "{Vs} and {So} live together",
        "they have been together {years} years",
        "{Vs} is still in a relationship with {So}",
        "the couple have been together {years} years and have {child_count}",
    ],
    "coparent": [
        "they separated {ago} and share {child_count}",
        "they have {child_count} together and contact is arranged through a family court order",
        "{Vs} and {So} split {ago}; the dispute is about the children",
    ],
    "neighbour": [
        "{S} lives next door",
        "{S} lives in the flat upstairs",
        "{S} lives across the road",
        "there is a long running dispute between the two households",
    ],
    "family": [
        "{S} is {Vp} brother",
        "{S} is {Vp} adult son",
        "{S} is {Vp} father",
        "{S} is {Vp} cousin",
    ],
}

CONTEXT_SLOTS: dict[str, list[str]] = {
    "years": ["2", "3", "4", "5", "7", "10", "12", "two", "three", "six"],
    "ago": [
        "in the summer", "3 weeks ago", "two months ago", "last year", "about six months ago",
        "at new year", "in march", "a few weeks ago", "18 months ago",
    ],
    "child_count": ["two children", "a son", "a daughter", "three kids", "a young child"],
}

IMPACT: dict[str, list[str]] = {
    "very_frightened": [
        "{Vs} is very frightened",
        "{Vs} said {Vs} was terrified and not sleeping",
        "{Vs} is scared to leave the house",
        "{Vs} has changed {Vp} route to work",
        "{Vs} was shaking and in tears throughout",
        "{Vs} is now staying at {Vp} mum's",
        "{Vs} said {Vs} felt {Vs} was being hunted",
        "{Vs} has stopped going to the gym because of {So}",
    ],
    "worried": [
        "{Vs} was upset but calm",
        "{Vs} is worried it will get worse",
        "{Vs} said it was getting too much",
        "{Vs} said {Vs} just wanted it to stop",
    ],
    "annoyed": [
        "{Vs} said {Vs} was fed up",
        "{Vs} was angry rather than scared",
        "{Vs} did not appear distressed",
        "{Vs} said {Vs} was not frightened, just annoyed",
    ],
}

ACTIONS: dict[str, list[str]] = {
    "advice": [
        "advice given re keeping a diary and not responding",
        "{Vs} was advised to block the number",
        "safety advice given and {Vs} was told to call 999 if {S} {if_clause}",
        "words of advice given to both parties",
        "crime prevention advice given",
    ],
    "dash": [
        "DASH completed, graded standard",
        "DASH completed, medium risk",
        "DASH risk assessment completed and graded high, referral to IDVA made",
        "risk assessment completed",
    ],
    "warning": [
        "{S} was spoken to and told not to contact {Vo}",
        "{S} was given words of advice about {Sp} behaviour",
        "officers attended {Sp} address and gave advice",
    ],
    "arrest": [
        "{S} was arrested and interviewed",
        "{S} was arrested on suspicion of harassment and bailed",
        "{S} was arrested and denied the offence in interview",
    ],
    "nfa": [
        "no offences disclosed, NFA",
        "{Vs} did not want to make a statement, NFA",
        "no further action as {Vs} did not support a prosecution",
        "insufficient evidence, NFA at this time",
        "filed pending further information",
    ],
    "referral": [
        "referred to the stalking advocacy service",
        "stalking screening questions completed",
        "S-DASH completed, referral made",
    ],
}

STALKING_WORDS: list[str] = [
    "{Vs} feels {Vs} is being stalked",
    "this appears to be a course of conduct amounting to stalking",
    "{Vs} said {S} was stalking {Vo}",
    "stalking screening completed",
]

SUSPECT_DESCRIPTIONS: list[str] = [
    "the same male as last time",
    "the same man again",
    "a white male in his 40s, grey hoodie",
    "an unknown male, tall, dark jacket",
    "a man {Vs} has seen before near {Vp} house",
    "the male from the previous reports",
]

RELATION_WORDS: dict[str, list[str]] = {
    "ex_partner": ["{Vp} ex-partner", "{Vp} ex", "{Vp} former partner", "{Vp} ex-boyfriend"],
    "partner": ["{Vp} partner", "{Vp} boyfriend", "{Vp} husband"],
    "family": ["{Vp} brother", "{Vp} son", "{Vp} father", "a family member"],
    "acquaintance": ["a man {Vs} knows", "a male acquaintance", "a friend of a friend"],
    "neighbour": ["{Vp} neighbour", "the neighbour", "the male next door"],
    "colleague": ["a colleague", "a man {Vs} works with", "a former colleague"],
    "stranger": ["an unknown male", "a man {Vs} does not know", "the male"],
    "unknown": ["the suspect", "the male"],
}
