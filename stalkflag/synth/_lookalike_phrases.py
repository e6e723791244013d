"""Phrase bank for look-alike (not stalking) scenarios.

These are the hard negatives of the synthetic incident-log generator: neighbour and
issue-based disputes, current-partner abuse without fixation, co-parenting disputes,
mutual online arguments, group harassment by youths, one-off threats, false or
delusional reports and other family violence.  They deliberately reuse vocabulary that
also appears in stalking notes (turned up at the address, repeated messages, watching,
CCTV, notes on the car, "won't leave me alone", posting about her online, checking her
phone, location sharing, turning up at the school at handover) but anchor it to an
ISSUE (noise, parking, a hedge, a debt, child contact, a work grievance, a Facebook row),
to a CURRENT relationship, or to a mutual exchange, instead of fixation on a person after
rejection or separation.

Format (the engine depends on it):

* ``LOOKALIKE_BEHAVIOURS[behaviour_id]`` has ``channel`` ("offline", "online" or
  "phone") and three lists:

  - ``did``: asserted past-tense clauses, each starting with a subject slot
    (``{S}`` or ``{Vs}``);
  - ``ger``: gerund phrases without a subject, for negations and worries;
  - ``if``: third-person-singular present clauses without a subject, for
    hypotheticals.

* Clauses are lower-case, without a final full stop, with no names, numbers
  (other than ``{n}``), phone numbers or addresses, and no literal he/she/his/her:
  pronouns come only through the slots.
* Slots: ``{S} {So} {Sp}`` (suspect), ``{Vs} {Vo} {Vp}`` (victim, possibly first
  person, so ``{Vs}`` only takes verbs that agree with both "I" and "she"), ``{n}``
  (2..60), ``{when}``, ``{place}``, ``{child}``, ``{third}``, and the ``la_`` slots in
  ``LOOKALIKE_SLOTS`` (whose values may contain base slots only, one level).
* ``FILLER`` holds irrelevant police-note detail for long notes.
"""

from __future__ import annotations

import re

LOOKALIKE_BEHAVIOURS: dict[str, dict[str, object]] = {
    # ------------------------------------------------------------------ neighbours
    "noise_complaint": {
        "channel": "offline",
        "did": [
            "{S} played music {la_late}",
            "{S} had {la_noise} going {la_late} for the third night running",
            "{Vs} knocked on {Sp} door to complain about {la_noise} and {S} swore at {Vo}",
            "{S} banged on the ceiling with a broom after {Vs} complained about the noise",
            "{S} turned up at the address {la_time} to complain that {Vp} washing machine was too loud",
            "{Vs} said {S} won't leave {Vo} alone about the noise",
            "{Vs} reported ongoing noise from the flat above since {S} moved in",
            "{S} knocked on {Vp} door {n} times in one evening about {Vp} dog barking",
            "{S} turned the music up when {Vs} complained",
            "{Vs} had logged several noise complaints with the council about {So}",
            "{S} revved {Sp} car under {Vp} window at 6am in retaliation for the noise complaint",
            "{S} held a party that went on until gone 4am",
        ],
        "ger": [
            "playing {la_noise} {la_late}",
            "banging on the walls",
            "knocking on {Vp} door about the noise",
            "turning the music up to wind {Vo} up",
            "complaining to the council about {Vo}",
            "having parties every weekend",
        ],
        "if": [
            "plays music {la_late} again",
            "bangs on the wall again",
            "comes round about the noise again",
            "carries on with the parties",
            "knocks on {Vp} door again",
        ],
    },
    "parking_dispute": {
        "channel": "offline",
        "did": [
            "{S} parked across {Vp} drive again",
            "{S} blocked {Vp} car in {la_time}",
            "{S} left {la_vehicle} in {la_parking_spot} for days on end",
            "{S} left a note on {Vp} car telling {Vo} not to park in {la_parking_spot}",
            "{S} stood by {Vp} car watching {Vo} park and then said the space was {Sp}",
            "{Vs} asked {So} to move {Sp} van and {S} refused and called {Vo} {la_insult}",
            "{S} took photos of {Vp} car to send to the council over the parking",
            "{S} put cones out in {la_parking_spot}",
            "{Vs} said {S} had reported {Vp} car to the council {n} times for parking on the pavement",
            "{S} keyed the side of {Vp} car after the row about the space",
            "{S} waited by {Vp} car in the car park to argue about the parking",
            "{Vs} had argued with {So} about {la_parking_spot} for months",
        ],
        "ger": [
            "parking across {Vp} drive",
            "blocking {Vp} car in",
            "leaving notes on {Vp} windscreen about the parking",
            "putting cones out in {la_parking_spot}",
            "taking photos of {Vp} car",
            "arguing about the space",
        ],
        "if": [
            "blocks {Vp} car in again",
            "parks across the drive again",
            "leaves another note on the car",
            "touches {Vp} car",
            "puts the cones back out",
        ],
    },
    "boundary_dispute": {
        "channel": "offline",
        "did": [
            "{S} cut back {la_boundary} without asking",
            "{S} moved the fence posts about a foot onto {Vp} side",
            "{S} stood on a ladder looking over {la_boundary} and shouted at {Vo} about the survey",
            "{S} threw the hedge cuttings back into {Vp} garden",
            "{S} came round to the address several times about {la_boundary}",
            "{S} sprayed weedkiller along {Vp} side of {la_boundary}",
            "{Vs} said the dispute over {la_boundary} had been going on for about two years",
            "{S} put up a taller fence that blocks the light to {Vp} kitchen",
            "{S} sent {Vo} a solicitor's letter about {la_boundary}",
            "{S} told {Vo} to get off {Sp} land while {Vs} was cutting the grass",
            "{S} dug up the plants on the border",
            "{S} padlocked the shared gate",
        ],
        "ger": [
            "cutting {la_boundary} back",
            "moving the fence",
            "throwing cuttings over into {Vp} garden",
            "shouting over the fence",
            "coming round about the boundary",
            "damaging the plants on the border",
        ],
        "if": [
            "touches {la_boundary} again",
            "moves the fence again",
            "comes onto {Vp} side",
            "damages anything else in the garden",
            "throws anything else over",
        ],
    },
    "neighbour_cctv": {
        "channel": "offline",
        "did": [
            "{S} put up a CCTV camera that points at {la_camera_target}",
            "{S} fitted a doorbell camera which {Vs} believed recorded {Vp} front door",
            "{Vs} said the neighbour was 'stalking' {Vo} with the camera",
            "{S} told {Vo} {Sp} camera had caught {Vo} putting rubbish in {Sp} bin",
            "{S} posted CCTV footage of {Vo} on the street WhatsApp group about the bins",
            "{S} refused to move the camera and said it was for security after {Sp} car was broken into",
            "{S} turned the camera towards {Vp} garden after the row over {la_neighbour_issue}",
            "{Vs} asked {So} to angle the camera away and {S} laughed",
            "{S} showed {Vo} footage of {Vp} visitors parking on {Sp} drive",
            "{Vs} complained to the council about {Sp} cameras",
            "{Vs} said the camera covered {Vp} kitchen window and {Vs} felt watched in {Vp} own home",
            "{S} installed two more cameras",
        ],
        "ger": [
            "pointing the camera at {la_camera_target}",
            "recording {Vp} garden",
            "filming {Vo} putting the bins out",
            "sharing footage of {Vo} on the street group",
            "refusing to move the camera",
            "using the doorbell camera to record {Vp} visitors",
        ],
        "if": [
            "points the camera at the house again",
            "shares any more footage",
            "records {child} in the garden",
            "refuses to move the camera",
            "puts up another camera",
        ],
    },
    "neighbour_notes": {
        "channel": "offline",
        "did": [
            "{S} left a note on {Vp} car about {la_note_topic}",
            "{S} pushed an anonymous letter through {Vp} door complaining about {la_note_topic}",
            "{S} had put {n} notes through {Vp} letterbox about {la_note_topic}",
            "{S} stuck a note on {Vp} windscreen saying 'learn to park'",
            "{S} taped a notice to the communal door naming {Vp} flat over the recycling",
            "{S} left a note under {Vp} wiper about the bins",
            "{S} left a letter on the doormat accusing {Vo} of letting {Vp} dog foul the path",
            "{Vs} found a note on {Vp} car saying it had been reported to the management company",
            "{S} admitted writing the notes and said it was about {la_note_topic} and nothing else",
            "{S} left a typed note in the shared hallway about {Vp} smoking on the balcony",
            "{S} put a note on the car calling {Vo} {la_insult}",
        ],
        "ger": [
            "leaving notes on {Vp} car",
            "putting letters through the door about {la_note_topic}",
            "sticking notices up in the hallway",
            "writing to the housing association about {Vo}",
            "leaving notes under the wipers",
        ],
        "if": [
            "leaves another note",
            "puts anything else through the door",
            "sticks another notice up about {Vo}",
            "writes on the car",
        ],
    },
    "neighbour_confront": {
        "channel": "offline",
        "did": [
            "{S} came to the door shouting about {la_neighbour_issue}",
            "{S} turned up at the address and squared up to {Vo} over {la_neighbour_issue}",
            "{S} confronted {Vo} in the car park",
            "{S} waited for {Vo} to come out to the bins and started shouting",
            "{S} stood at the end of {Vp} path and refused to leave until {Vs} came out",
            "{S} pointed a finger in {Vp} face and called {Vo} {la_insult}",
            "{Vs} said {S} won't leave {Vo} alone over {la_neighbour_issue}",
            "{S} followed {Vo} from the car to the front door, shouting about {la_neighbour_issue}",
            "{S} hammered on the door {la_time}",
            "{Vs} and {S} had a row in the street about {la_neighbour_issue} and both were shouting",
            "{S} came over when {Vs} was gardening and told {Vo} to keep {child} off {Sp} wall",
        ],
        "ger": [
            "coming to the door about {la_neighbour_issue}",
            "shouting in the street",
            "squaring up to {Vo}",
            "confronting {Vo} in the car park",
            "hammering on the door",
            "waiting by the bins to have a go",
        ],
        "if": [
            "comes to the door again",
            "squares up to {Vo} again",
            "starts shouting in the street again",
            "has another go at {Vo} over {la_neighbour_issue}",
        ],
    },
    # ------------------------------------------------------------------ issue-based
    "verbal_abuse": {
        "channel": "offline",
        "did": [
            "{S} called {Vo} {la_insult} in the street",
            "{S} shouted abuse at {Vo} across the road",
            "{S} swore at {Vo} outside {place}",
            "{S} made a comment about {Vp} weight as {Vs} walked past",
            "{S} called {Vo} {la_insult} in front of {child}",
            "{S} was drunk and shouted abuse at {Vo} when {Vs} got off the bus",
            "{S} had a go at {Vo} in the queue at {place} over a trolley",
            "{S} mouthed abuse at {Vo} through the window of {Sp} car",
            "{Vs} and {S} traded insults outside {place}",
            "{S} shouted at {Vo} from {Sp} balcony as {Vs} came home {when}",
            "{S} swore at {Vo}",
        ],
        "ger": [
            "shouting abuse",
            "calling {Vo} names",
            "swearing at {Vo} in the street",
            "making comments about {Vo} in the street",
            "having a go at {Vo} in public",
        ],
        "if": [
            "shouts at {Vo} again",
            "calls {Vo} names again",
            "starts on {Vo} in the street",
            "swears at {child}",
        ],
    },
    "debt_demand": {
        "channel": "phone",
        "did": [
            "{S} rang {Vo} {n} times demanding {la_debt_amount}",
            "{S} sent repeated messages asking for the money for {la_debt_reason}",
            "{S} turned up at the address demanding the money for {la_debt_reason}",
            "{S} texted 'where's my money' over and over",
            "{S} said there was still {la_debt_amount} owing on {la_debt_reason}",
            "{S} contacted {third} to chase the debt",
            "{S} waited outside {place} to ask {Vo} for the money",
            "{Vs} had borrowed {la_debt_amount} from {So} for {la_debt_reason} and had not paid it back",
            "{S} threatened to take {Vp} car if the money was not paid",
            "{S} posted on Facebook calling {Vo} a scrounger who doesn't pay people back",
            "{S} left a voicemail every day about the money",
            "{S} knocked on the door asking when {Vs} would pay",
        ],
        "ger": [
            "ringing about the money",
            "demanding {la_debt_amount}",
            "turning up at the house about the debt",
            "sending messages about the money",
            "chasing {Vo} for {la_debt_amount}",
            "contacting {third} about the debt",
        ],
        "if": [
            "comes round for the money again",
            "rings about the money again",
            "contacts {third} about the debt",
            "tries to take the car",
            "turns up at {place}",
        ],
    },
    "work_grievance": {
        "channel": "online",
        "did": [
            "{S} sent {Vo} {n} emails about {la_work_issue}",
            "{S} blamed {Vo} for {la_work_issue} and had been sending angry messages",
            "{S} turned up at {la_workplace} after being told not to come on site",
            "{S} waited in the car park at {la_workplace} to confront {Vo} about {la_work_issue}",
            "{S} posted on LinkedIn naming {Vo} as the manager behind {la_work_issue}",
            "{S} messaged {Vo} on Teams late at night about the rota",
            "{S} copied the whole team into an email calling {Vo} a liar",
            "{S} rang {Vp} work mobile repeatedly after the grievance meeting",
            "{Vs} was {Sp} line manager and had dealt with {la_work_issue}",
            "{S} said {Vp} name would be in the tribunal claim",
            "{S} stood outside {la_workplace} with a placard about {la_work_issue}",
            "{S} left a review online naming {Vo}",
        ],
        "ger": [
            "emailing {Vo} about {la_work_issue}",
            "turning up at {la_workplace}",
            "messaging {Vo} on Teams out of hours",
            "naming {Vo} online over the grievance",
            "waiting in the staff car park",
        ],
        "if": [
            "comes back on site",
            "emails {Vo} again",
            "turns up at {la_workplace} again",
            "posts about {Vo} online again",
        ],
    },
    "single_threat": {
        "channel": "phone",
        "did": [
            "{S} sent a single text saying '{la_threat}'",
            "{S} rang once and said '{la_threat}' before hanging up",
            "{S} shouted '{la_threat}' across the road after an argument over {la_neighbour_issue}",
            "{S} left one voicemail threatening to smash {Vp} windows",
            "{S} made a threat in the heat of the moment during a row about {la_debt_reason}",
            "{S} said '{la_threat}' once and had not been in contact since",
            "{S} sent a message from {Sp} own number threatening {Vo} with 'a slap'",
            "{Vs} received one message from {So} after the football",
            "{S} threatened {Vo} outside {place} and walked off",
            "{Vs} said this was the only contact from {So} and there was no previous history",
            "{S} made a threat on the phone after {Vs} refused to give {So} a refund",
        ],
        "ger": [
            "threatening {Vo}",
            "sending another threat",
            "making threats about the windows",
            "contacting {Vo} again",
            "carrying out the threat",
        ],
        "if": [
            "carries out the threat",
            "contacts {Vo} again",
            "sends anything further",
            "comes to the address",
            "repeats the threat",
        ],
    },
    # ------------------------------------------------------------------ current partner
    "partner_argument": {
        "channel": "offline",
        "did": [
            "{S} and {Vs} argued about {la_argument_topic}",
            "{S} shouted at {Vo} during a row over {la_argument_topic}",
            "{S}, who lives with {Vo}, came home drunk and started an argument",
            "{S} slammed doors and shouted after {Vs} came home late from {place}",
            "{S} accused {Vo} of flirting with someone at {place}",
            "{Vs} and {S} had been arguing all evening about {la_argument_topic}",
            "{S} smashed a plate during the argument but did not touch {Vo}",
            "{S} kept ringing {Vo} while {Vs} was at {place} asking when {Vs} was coming home",
            "{S} refused to leave the bedroom and the argument carried on into the night",
            "{Vs} said {S} won't leave {Vo} alone about {la_argument_topic} after a drink",
            "{S} called {Vo} {la_insult} in front of {child} during the row",
            "{Vs} said the couple had been together {n} years and argued most weekends",
        ],
        "ger": [
            "shouting during arguments",
            "arguing about {la_argument_topic}",
            "smashing things in the house",
            "starting rows when drunk",
            "accusing {Vo} of cheating",
        ],
        "if": [
            "comes home drunk again",
            "starts another argument",
            "smashes anything else",
            "won't calm down",
        ],
    },
    "partner_assault": {
        "channel": "offline",
        "did": [
            "{S} pushed {Vo} into the wardrobe during an argument",
            "{S} grabbed {Vp} wrist hard enough to leave a mark",
            "{S} slapped {Vo} across the face",
            "{S} headbutted {Vo} in the kitchen",
            "{S} threw a mug at {Vo} which hit {Vp} arm",
            "{S} pinned {Vo} against the wall by the throat for a few seconds",
            "{S} kicked {Vo} while {Vs} was on the floor",
            "{S} pulled {Vp} hair as {Vs} tried to leave the room",
            "{S} punched the door next to {Vp} head and then hit {Vo}",
            "{Vs} had a red mark on {Vp} cheek and said {S} had hit {Vo} during a row about {la_argument_topic}",
            "{S} dragged {Vo} back into the flat when {Vs} tried to go to {third}'s",
            "{S} shoved {Vo} on the stairs at the house they share",
        ],
        "ger": [
            "hitting {Vo}",
            "pushing {Vo} around",
            "grabbing {Vo} by the arm",
            "putting {Sp} hands on {Vo}",
            "throwing things at {Vo}",
            "strangling {Vo}",
        ],
        "if": [
            "hits {Vo} again",
            "puts {Sp} hands on {Vo} again",
            "gets drunk and violent",
            "lays a finger on {child}",
        ],
    },
    "partner_phone_checking": {
        "channel": "phone",
        "did": [
            "{S} went through {Vp} phone while {Vs} was in the shower",
            "{S} demanded {Vp} passcode and read {Vp} messages",
            "{S} checked {Vp} phone every night",
            "{S} kept checking {Vp} phone and accusing {Vo} of talking to someone from work",
            "{S} insisted they both keep location sharing on and questioned {Vo} when {Vs} was late home",
            "{S} checked {la_location_app} to see where {Vs} was and rang when {Vs} stopped at {place}",
            "{S} logged into {Vp} Facebook on the shared laptop and read {Vp} messages",
            "{S} took {Vp} phone off {Vo} during an argument and kept it overnight",
            "{S} messaged {Vo} {n} times while {Vs} was on a night out asking who {Vs} was with",
            "{S} made {Vo} video call {So} from {place} to prove where {Vs} was",
            "{Vs} said {S} had always been jealous and looked through {Vp} phone",
            "{S} deleted numbers from {Vp} phone",
        ],
        "ger": [
            "checking {Vp} phone",
            "going through {Vp} messages",
            "tracking {Vo} on {la_location_app}",
            "demanding {Vp} passcode",
            "demanding photos to prove {Vp} whereabouts",
        ],
        "if": [
            "takes {Vp} phone again",
            "goes through {Vp} messages again",
            "checks {Vp} location again",
            "demands the passcode",
        ],
    },
    "partner_financial_control": {
        "channel": "offline",
        "did": [
            "{S} took {Vp} bank card and gave {Vo} {la_allowance} a week",
            "{S} controlled all the money and {Vs} had to ask for bus fare",
            "{S} made {Vo} hand over {Vp} wages every payday",
            "{S} checked {Vp} banking app and questioned every payment",
            "{S} took out a loan in joint names without telling {Vo}",
            "{S} stopped {Vo} having {Vp} own account",
            "{S} went through the receipts from {place} and demanded to know what {Vs} had spent",
            "{S} had the child benefit paid into {Sp} account",
            "{S} cut up {Vp} card during an argument about {la_argument_topic}",
            "{Vs} said {S} had full control of the money and {Vs} had nothing of {Vp} own",
            "{S} refused to give {Vo} money for food for {child}",
        ],
        "ger": [
            "taking {Vp} money",
            "controlling the finances",
            "checking {Vp} bank statements",
            "keeping {Vp} bank card",
            "questioning every purchase",
        ],
        "if": [
            "takes {Vp} wages again",
            "stops the money for food",
            "takes out any more credit in {Vp} name",
            "keeps the bank card",
        ],
    },
    "partner_isolation": {
        "channel": "offline",
        "did": [
            "{S} stopped {Vo} seeing {third}",
            "{S} would not let {Vo} go to {place} on {Vp} own",
            "{S} sulked and shouted whenever {Vs} went out with friends",
            "{S} dropped {Vo} at work and picked {Vo} up every day so {Vs} could not go anywhere else",
            "{S} insisted on coming with {Vo} to every appointment",
            "{S} told {Vo} {Vp} friends were a bad influence",
            "{S} turned up at {place} when {Vs} was out with friends and made {Vo} come home",
            "{S} took the car keys so {Vs} could not visit {third}",
            "{S} rang {Vo} repeatedly during a night out and told {Vo} to come home",
            "{Vs} had not seen {third} for months because {S} kicked off every time",
            "{S} made {Vo} delete {Vp} Facebook",
        ],
        "ger": [
            "stopping {Vo} seeing {third}",
            "keeping {Vo} in the house",
            "turning up to bring {Vo} home from nights out",
            "taking the car keys",
            "cutting {Vo} off from {Vp} friends",
        ],
        "if": [
            "stops {Vo} going out again",
            "turns up at {place} again",
            "takes the keys again",
            "kicks off about {third} again",
        ],
    },
    # ------------------------------------------------------------------ co-parenting
    "child_contact_messages": {
        "channel": "phone",
        "did": [
            "{S} sent {Vo} {n} messages about {la_contact_issue}",
            "{S} kept messaging about {la_contact_issue} after {Vs} said to go through solicitors",
            "{S} rang {n} times on the night {child} did not go for contact",
            "{S} messaged {Vo} demanding to speak to {child} on FaceTime",
            "{S} sent long messages blaming {Vo} for the contact order",
            "{S} called {Vo} {la_insult} in a message about maintenance",
            "{S} texted late at night asking to swap weekends",
            "{S} sent repeated messages on the co-parenting app about {la_contact_issue}",
            "{S} contacted {third} to ask whether {Vs} would agree to more contact",
            "{Vs} said the messages were all about {child} and {la_contact_issue}",
            "{S} messaged {Vo} saying the matter would go back to court",
            "{S} sent {Vo} screenshots of the court order and told {Vo} to stick to it",
        ],
        "ger": [
            "messaging about {la_contact_issue}",
            "ringing about {child}",
            "sending messages about contact",
            "demanding FaceTime with {child}",
            "contacting {third} about contact",
        ],
        "if": [
            "messages about anything other than {child}",
            "keeps ringing about contact",
            "sends abusive messages about {la_contact_issue}",
            "contacts {third} again",
        ],
    },
    "child_handover_dispute": {
        "channel": "offline",
        "did": [
            "{S} turned up at {la_handover_place} at handover and started shouting",
            "{S} refused to hand {child} back at the agreed time",
            "{S} kept {child} an extra night",
            "{S} turned up at the school at handover time although it was not {Sp} weekend",
            "{S} waited at {la_handover_place} for an hour and then came to the house",
            "{S} argued with {Vo} in front of {child} at {la_handover_place}",
            "{S} followed {Vo} back to the car after handover, still arguing about {la_contact_issue}",
            "{S} refused to let {Vo} in to collect {child}'s things",
            "{S} blocked {Vp} car at {la_handover_place} until {Vs} agreed to more time",
            "{Vs} said handovers at {la_handover_place} always ended in an argument about {la_contact_issue}",
            "{S} took {child} out of school early on a day that was not {Sp} contact",
            "{S} called the police to say {Vs} was late for handover",
        ],
        "ger": [
            "turning up at handover",
            "arguing at {la_handover_place}",
            "keeping {child} longer than agreed",
            "shouting in front of {child}",
            "turning up at the school outside contact times",
        ],
        "if": [
            "turns up at the school again",
            "refuses to return {child}",
            "starts shouting at handover",
            "keeps {child} overnight again",
        ],
    },
    # ------------------------------------------------------------------ online
    "online_argument": {
        "channel": "online",
        "did": [
            "{S} and {Vs} argued in the comments on {la_online_platform} about {la_online_topic}",
            "{S} replied to {Vp} post calling {Vo} {la_insult}",
            "{Vs} admitted calling {So} names back in the thread",
            "{S} accused {Vo} of stalking {Sp} Facebook after {Vs} liked an old photo",
            "{S} tagged {Vo} in {n} comments during the row",
            "{S} messaged {Vo} privately after the argument on {la_online_platform} and {Vs} replied",
            "{S} blocked and unblocked {Vo} during a row about {la_online_topic}",
            "{S} screenshotted {Vp} comments and shared them on {la_online_platform}",
            "{Vs} and {S} had been going back and forth online for {n} days",
            "{S} left a string of comments under {Vp} post about {la_online_topic}",
            "{S} reported {Vp} account to the platform after the argument",
            "{Vs} had posted first and {S} responded with abuse",
        ],
        "ger": [
            "arguing with {Vo} online",
            "commenting on {Vp} posts",
            "tagging {Vo} in posts",
            "sending messages after the row",
            "screenshotting {Vp} comments",
        ],
        "if": [
            "comments on {Vp} posts again",
            "messages {Vo} again",
            "tags {Vo} again",
            "carries on the argument online",
        ],
    },
    "online_post_about": {
        "channel": "online",
        "did": [
            "{S} posted about {Vo} on {la_online_platform} after the row over {la_neighbour_issue}",
            "{S} put a post on {la_online_platform} calling {Vo} {la_insult}",
            "{S} posted a photo of {Vp} car parked on the pavement in a local group",
            "{S} wrote a bad review of {Vp} business after a dispute over a refund",
            "{S} posted that {Vp} family owed {So} money",
            "{S} shared a post accusing {Vo} of letting {Vp} dog foul the park",
            "{S} posted about {Vo} online {n} times over the weekend",
            "{S} named {Vo} in a post about {la_online_topic}",
            "{S} shared {Vp} post with a mocking comment",
            "{Vs} said {S} had been posting about {Vo} online since the falling out over {la_debt_reason}",
            "{S} made a TikTok about the dispute that shows {Vp} street",
        ],
        "ger": [
            "posting about {Vo} online",
            "naming {Vo} in the local group",
            "sharing photos of {Vp} car",
            "writing reviews about {Vp} business",
            "making posts about the dispute",
        ],
        "if": [
            "posts about {Vo} again",
            "names {Vo} online again",
            "puts up another post about the dispute",
            "shares any photos of {child}",
        ],
    },
    # ------------------------------------------------------------------ youths
    "youths_gathering": {
        "channel": "offline",
        "did": [
            "{Vs} reported {la_youth_group} gathering at {la_youth_spot} every evening",
            "{S} and {Sp} friends hung around {la_youth_spot} until late",
            "{S} and a group of friends stood outside {Vp} window watching and laughing",
            "{Vs} said {la_youth_group} sat on {Vp} wall and would not move",
            "{S} and others knocked on {Vp} door and ran off",
            "{S} and a group of youths shouted at {Vo} when {Vs} went out to the car",
            "{S} was among {la_youth_group} who followed {Vo} from {place} shouting names",
            "{S} and friends rode bikes round the close shouting at residents",
            "{Vs} said {la_youth_group} had been watching the flat and laughing whenever {Vs} came out",
            "{S} and a group of lads filmed {Vo} on their phones",
            "{Vs} had reported the youths at {la_youth_spot} to the council several times",
        ],
        "ger": [
            "gathering at {la_youth_spot}",
            "hanging around outside the flats",
            "knocking on doors and running off",
            "shouting at residents",
            "filming {Vo} on their phones",
        ],
        "if": [
            "hangs around the flats again",
            "comes back with the group",
            "knocks on the door again",
            "shouts at {Vo} again",
        ],
    },
    "youths_damage": {
        "channel": "offline",
        "did": [
            "{S} and others threw eggs at {Vp} windows",
            "{S} kicked {Vp} wing mirror off while out with a group of youths",
            "{Vs} found {Vp} tyres let down after the youths had been at {la_youth_spot}",
            "{S} and a group sprayed graffiti on {Vp} garage door",
            "{S} and friends threw stones at {Vp} car from the play park",
            "{S} set fire to {Vp} wheelie bin while others watched",
            "{S} pulled the plants out of {Vp} front garden while {Sp} mates filmed it",
            "{S} and a group kicked a football against {Vp} car over and over",
            "{Vs} said youths had smashed {Vp} shed window {when}",
            "{S} was seen on a doorbell camera throwing a brick at {Vp} window with three others",
            "{S} snapped {Vp} car aerial",
            "{Vs} said {la_youth_group} had damaged {Vp} fence",
        ],
        "ger": [
            "throwing eggs",
            "damaging {Vp} car",
            "throwing stones at the house",
            "setting fire to the bins",
            "spraying graffiti",
        ],
        "if": [
            "damages the car again",
            "throws anything at the house",
            "comes back with the group",
            "sets fire to anything",
        ],
    },
    # ------------------------------------------------------------------ false / delusional
    "false_belief_followed": {
        "channel": "offline",
        "did": [
            "{Vs} believed {la_false_car} had followed {Vo} to {place}",
            "{Vs} reported that {la_false_agent} were watching {Vo}",
            "{Vs} said the same car kept appearing wherever {Vs} went",
            "{Vs} said strangers on the bus were 'stalking' {Vo} and passing signals",
            "{Vs} could not give a description or registration of the car",
            "{Vs} believed {la_false_agent} had been organised to follow {Vo}",
            "{Vs} thought someone at {place} was following {Vo} because they looked over twice",
            "{Vs} said people flashed their headlights at {Vo} as a signal",
            "{Vs} reported that {la_false_agent} were following {Vo} in relays",
            "{Vs} had made {n} similar reports in the past year, none substantiated",
            "{Vs} walked officers round the area and pointed out parked cars that were empty",
            "{Vs} was unable to say who would want to follow {Vo} or why",
            "{Vs} said a neighbour coughing on the landing was a signal to the people watching {Vo}",
            "{S} was spoken to and lives on the same road and uses the same bus stop",
        ],
        "ger": [
            "following {Vo}",
            "watching the house",
            "sitting outside in cars",
            "passing signals in the street",
            "tracking {Vp} movements",
        ],
        "if": [
            "follows {Vo} again",
            "is seen outside again",
            "parks outside the house again",
            "signals to other people",
        ],
    },
    "false_belief_device": {
        "channel": "phone",
        "did": [
            "{Vs} believed {Vp} {la_device} had been hacked by {la_false_agent}",
            "{Vs} said {la_device_sign} proved someone was listening",
            "{Vs} reported that {la_false_agent} were tracking {Vo} through {Vp} {la_device}",
            "{Vs} believed there was a camera hidden in the smoke alarm",
            "{Vs} said {S} was 'stalking' {Vo} through the wifi",
            "{Vs} had reset {Vp} phone {n} times but said the hacking continued",
            "{Vs} allowed officers to look at {Vp} phone and nothing untoward was found",
            "{Vs} had the router checked by the provider and no fault was found",
            "{Vs} said the TV was recording {Vo} and sending footage to {la_false_agent}",
            "{Vs} believed a tracker had been put on {Vp} car but a garage found nothing",
            "{Vs} said {Vp} messages were being read because adverts matched {Vp} conversations",
            "{Vs} said {S} could hear {Vp} phone calls through the ceiling and was using an app",
        ],
        "ger": [
            "hacking {Vp} {la_device}",
            "tracking {Vp} phone",
            "listening through the wifi",
            "reading {Vp} messages remotely",
            "recording {Vo} through the TV",
        ],
        "if": [
            "hacks into {Vp} phone again",
            "gets into the wifi again",
            "turns the camera on again",
            "reads {Vp} messages",
        ],
    },
    # ------------------------------------------------------------------ other family
    "family_argument": {
        "channel": "offline",
        "did": [
            "{S} came round to the house drunk and started an argument about {la_family_issue}",
            "{S} shouted at {Vo} in the kitchen over {la_family_issue}",
            "{S} pushed {Vo} during a row about {la_family_issue}",
            "{S} refused to leave {Vp} flat after the argument",
            "{S} turned up at the address {la_time} shouting about {la_family_issue}",
            "{S} punched a hole in the door after {Vs} told {So} to move out",
            "{S} kept ringing {third} to complain about {Vo}",
            "{S} sent {Vo} a string of messages about {la_family_issue} after the funeral",
            "{S} lives with {Vo} and the arguments had got worse since losing {Sp} job",
            "{S} threw {Vp} belongings into the garden",
            "{Vs} said the family had fallen out over {la_family_issue} and {S} won't let it go",
            "{S} grabbed {Vp} arm when {Vs} tried to walk away from the argument",
        ],
        "ger": [
            "arguing about {la_family_issue}",
            "coming round drunk",
            "shouting at {Vo} in the house",
            "refusing to leave",
            "throwing {Vp} things out",
        ],
        "if": [
            "comes round drunk again",
            "kicks off about {la_family_issue} again",
            "refuses to leave",
            "puts {Sp} hands on {Vo}",
        ],
    },
    "family_money": {
        "channel": "phone",
        "did": [
            "{S} kept asking {Vo} for money for {la_family_money_reason}",
            "{S} rang {Vo} {n} times in a day demanding money",
            "{S} turned up at the address asking for {la_debt_amount}",
            "{S} took {Vp} bank card from {Vp} purse and used it at {place}",
            "{S} became aggressive when {Vs} refused to lend {So} more money",
            "{S} sent repeated messages demanding a share of the inheritance",
            "{S} sold {Vp} jewellery",
            "{S} asked {third} for money on {Vp} behalf and spent it",
            "{Vs} had given {So} {la_debt_amount} over the past few months for {la_family_money_reason}",
            "{S} threatened to smash the house up if {Vs} didn't hand over money",
            "{S} messaged {Vo} from a friend's phone asking for money for the electric",
            "{S} took cash from {Vp} bedroom while staying at the house",
        ],
        "ger": [
            "asking for money",
            "taking money from {Vp} purse",
            "ringing about money",
            "using {Vp} bank card",
            "turning up for money",
        ],
        "if": [
            "comes round for money again",
            "takes anything else",
            "uses {Vp} card again",
            "gets aggressive about money",
        ],
    },
}

LOOKALIKE_SLOTS: dict[str, list[str]] = {
    "la_time": [
        "at 2am",
        "at about 11pm",
        "during the school run",
        "at teatime",
        "on a Sunday morning",
        "at 6.30am",
        "just after midnight",
    ],
    "la_late": [
        "late at night",
        "in the early hours",
        "after midnight",
        "until gone 2am",
        "at 11pm on a weeknight",
    ],
    "la_noise": [
        "loud music",
        "drilling",
        "the dog barking",
        "banging and shouting",
        "a washing machine running",
        "bass from a sound system",
        "the TV on full volume",
        "DIY",
    ],
    "la_vehicle": [
        "a work van",
        "a transit van",
        "a camper van",
        "a skip",
        "a second car",
        "a trailer",
        "a motorbike under a cover",
    ],
    "la_parking_spot": [
        "the space outside {Vp} house",
        "the disabled bay",
        "the shared drive",
        "the residents' bay",
        "the visitor space",
        "the end of the drive",
    ],
    "la_boundary": [
        "the hedge",
        "the fence",
        "the boundary wall",
        "the shared gate",
        "the overhanging tree",
        "the leylandii",
        "the strip of garden by the bins",
    ],
    "la_camera_target": [
        "{Vp} front garden",
        "the shared drive",
        "{Vp} back door",
        "the communal car park",
        "{Vp} kitchen window",
        "the path to {Vp} door",
    ],
    "la_neighbour_issue": [
        "the noise",
        "the parking",
        "the hedge",
        "the bins",
        "the fence",
        "dog mess",
        "the shared drive",
        "the extension",
        "the communal hallway",
        "smoke from the barbecue",
    ],
    "la_note_topic": [
        "the bins",
        "parking",
        "noise after 11pm",
        "dog mess",
        "the communal hallway",
        "the recycling",
        "the gate being left open",
        "smoking on the balcony",
    ],
    "la_insult": [
        "a liar",
        "a grass",
        "a snake",
        "a psycho",
        "a nutter",
        "a scrounger",
        "a waste of space",
        "pathetic",
        "a muppet",
    ],
    "la_threat": [
        "I'll smash your windows",
        "you'll get what's coming",
        "I'll sort you out",
        "watch your back",
        "I'll have your car done",
        "you're going to regret this",
    ],
    "la_debt_amount": [
        "£40",
        "£150",
        "£300",
        "£1,200",
        "a few hundred pounds",
        "about £2,000",
    ],
    "la_debt_reason": [
        "the car",
        "a loan",
        "the deposit on the flat",
        "drugs",
        "a phone contract",
        "the holiday",
        "rent arrears",
        "a gambling debt",
    ],
    "la_work_issue": [
        "a disciplinary",
        "the shift patterns",
        "being dismissed",
        "unpaid wages",
        "the rota",
        "a redundancy",
        "a complaint about overtime",
        "a failed probation",
    ],
    "la_workplace": [
        "the warehouse",
        "the care home",
        "the office",
        "the depot",
        "the salon",
        "the call centre",
        "the building site",
    ],
    "la_argument_topic": [
        "money",
        "the housework",
        "the drinking",
        "going out",
        "the rent",
        "a bill",
        "the washing up",
        "a night out",
        "the in-laws",
        "who was looking after {child}",
    ],
    "la_location_app": [
        "Find My",
        "Life360",
        "Snapchat maps",
        "Google location sharing",
    ],
    "la_allowance": [
        "£20",
        "£30",
        "£10",
        "£50",
    ],
    "la_contact_issue": [
        "contact arrangements",
        "the weekend contact",
        "the school holidays",
        "Christmas contact",
        "child maintenance",
        "the contact order",
        "pick-up times",
        "which school {child} should go to",
    ],
    "la_handover_place": [
        "the school gates",
        "the contact centre",
        "the McDonald's car park",
        "the supermarket car park",
        "the grandparents' house",
        "the petrol station",
    ],
    "la_online_platform": [
        "Facebook",
        "a local Facebook group",
        "the village WhatsApp group",
        "Instagram",
        "TikTok",
        "the community page",
        "Nextdoor",
    ],
    "la_online_topic": [
        "a planning application",
        "dog fouling on the green",
        "the school fair",
        "speeding cars on the estate",
        "the football club",
        "a lost cat",
        "a council decision",
        "parking on the estate",
        "politics",
    ],
    "la_youth_group": [
        "a group of youths",
        "four or five teenagers",
        "a group of lads on bikes",
        "several local youths",
        "kids from the estate",
        "a group of about eight youths in hoodies",
    ],
    "la_youth_spot": [
        "the bus shelter",
        "the wall outside {Vp} flat",
        "the alley behind the shops",
        "the play park",
        "the garages",
        "the stairwell",
        "the car park",
    ],
    "la_false_car": [
        "a silver car",
        "a dark BMW",
        "a red hatchback",
        "a white van",
        "a black 4x4",
        "a taxi",
        "a blue Corsa",
    ],
    "la_false_agent": [
        "people in the street",
        "the neighbours",
        "unknown men in cars",
        "a gang from the estate",
        "people from {Vp} old work",
        "strangers on the bus",
        "the people in the flat upstairs",
        "the council",
    ],
    "la_device": [
        "phone",
        "laptop",
        "smart TV",
        "wifi router",
        "Alexa",
        "tablet",
        "car",
    ],
    "la_device_sign": [
        "the battery draining quickly",
        "the screen flickering",
        "clicking noises on calls",
        "apps opening on their own",
        "the camera light coming on",
        "strange devices on the wifi list",
        "the phone getting hot",
    ],
    "la_family_issue": [
        "the inheritance",
        "the funeral arrangements",
        "who gets the house",
        "the will",
        "the car",
        "money owed",
        "the dog",
        "{Vp} mum's care",
        "grandad's bungalow",
    ],
    "la_family_money_reason": [
        "drugs",
        "rent",
        "the electric",
        "a fine",
        "gambling",
        "a car repair",
        "a debt to someone",
    ],
}

FILLER: list[str] = [
    "weather at the time was dry and cold",
    "it was raining heavily when officers arrived",
    "street lighting in the area was working",
    "PNC checks conducted, nothing of note",
    "body worn video not activated as no offences disclosed",
    "officers were delayed by a road traffic collision on the way",
    "there was a dog in the house which was put in the kitchen while officers spoke to {Vo}",
    "the property is a ground floor flat with a communal entrance",
    "the property is a mid-terrace house with a small front garden",
    "access to the block is by an intercom that was not working",
    "officers waited approximately {n} minutes for a response at the door",
    "the call handler had to ring back twice as the line dropped",
    "{Vs} was offered an interpreter but declined",
    "{Vs} had a young baby and asked officers to keep their voices down",
    "officers parked on the main road as the close was narrow",
    "the flat was tidy and {Vs} offered officers a cup of tea",
    "{Vs} was on nights and asked for a callback after 2pm",
    "the radio signal in the stairwell was poor",
    "officers were diverted to an immediate call and returned later",
    "the front door had a broken letterbox which {Vs} said had been like that for years",
    "two cats in the property, no concerns",
    "the lift in the block was out of order so officers used the stairs",
    "there was a strong smell of damp in the hallway and {Vs} said the landlord had been told",
    "children's TV was on in the living room throughout the visit",
    "the area is mainly residential with a row of shops at the end of the road",
    "there were roadworks outside the address with temporary traffic lights",
    "officers spoke to {Vo} on the doorstep as {Vs} had visitors",
    "{Vs} was hard of hearing and officers wrote some questions down",
    "shift handover took place before the log could be closed",
    "log created from a 101 online report",
    "{Vs} called back to chase attendance after waiting most of the afternoon",
    "{Vs} apologised for the state of the flat as {Vs} was decorating",
    "it was dark and there was ice on the pavements",
    "the house number was not visible from the road and officers initially went to the wrong door",
    "{Vs} was supported by {third} during the visit",
    "a supermarket delivery arrived while officers were there",
    "it was a warm evening and the windows were open",
    "the sat nav took officers to the back of the estate",
    "crime reference number sent to {Vo} by text",
    "victim services leaflet left with {Vo}",
    "{Vs} was having {Vp} tea when officers arrived and asked them to wait a moment",
    "the garden was overgrown and there was a broken trampoline at the side",
    "several bags of rubbish had been left by the back door awaiting collection",
    "the call was initially passed to the wrong district and reallocated",
    "officer single crewed due to staffing levels",
    "pocket notebook entry made",
    "{Vs} was working from home and had a meeting so the visit was kept short",
    "the nearest parking was a pay and display two streets away",
    "officers used the side gate as the front door was blocked by a pushchair",
    "a smoke alarm was chirping throughout the visit due to a low battery",
    "attendance was delayed due to high demand across the district",
    "the log was reviewed by the duty sergeant at the end of the shift",
]


# ---------------------------------------------------------------------- self-check
_BEHAVIOUR_IDS = (
    "noise_complaint",
    "parking_dispute",
    "boundary_dispute",
    "neighbour_cctv",
    "neighbour_notes",
    "neighbour_confront",
    "verbal_abuse",
    "debt_demand",
    "work_grievance",
    "single_threat",
    "partner_argument",
    "partner_assault",
    "partner_phone_checking",
    "partner_financial_control",
    "partner_isolation",
    "child_contact_messages",
    "child_handover_dispute",
    "online_argument",
    "online_post_about",
    "youths_gathering",
    "youths_damage",
    "false_belief_followed",
    "false_belief_device",
    "family_argument",
    "family_money",
)
_BASE_SLOTS = frozenset({"S", "So", "Sp", "Vs", "Vo", "Vp", "n", "when", "place", "child", "third"})
_CHANNELS = frozenset({"offline", "online", "phone"})
_MIN_SIZES = {"did": 8, "ger": 5, "if": 4}
_STALK_ALLOWED = frozenset(
    {"online_argument", "neighbour_cctv", "false_belief_followed", "false_belief_device"}
)
_SLOT_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_GENDER_RE = re.compile(r"\b(he|she|his|her|hers|him|himself|herself)\b", re.IGNORECASE)
# "{Vs}" may be "I": no present-tense or plural agreement after it.
_VS_BAD_RE = re.compile(r"\{Vs\}\s+(has|is|does|am|are|were|goes|says|lives|works|wants)\b")
# "{Vo}" may be "me": never use it as the subject of a finite verb.
_VO_BAD_RE = re.compile(r"\{Vo\}\s+(was|is|were|has|am|had|owed|would|will)\b")


def _slots_in(text: str) -> list[str]:
    found = _SLOT_RE.findall(text)
    assert text.count("{") == len(found) and text.count("}") == len(found), (
        f"stray brace in {text!r}"
    )
    return found


def _check_text(text: str, allowed: frozenset[str], where: str) -> None:
    assert isinstance(text, str) and text.strip() == text and text, f"{where}: bad text {text!r}"
    assert not text.endswith("."), f"{where}: final full stop in {text!r}"
    first = text.split()[0]
    assert text[0] == "{" or text[0].islower() or first.isupper(), (
        f"{where}: should start lower-case: {text!r}"
    )
    for slot in _slots_in(text):
        assert slot in allowed, f"{where}: unknown slot {{{slot}}} in {text!r}"
    assert not _GENDER_RE.search(text), f"{where}: literal gendered pronoun in {text!r}"
    assert not _VS_BAD_RE.search(text), f"{where}: {{Vs}} verb must agree with 'I': {text!r}"
    assert not _VO_BAD_RE.search(text), f"{where}: {{Vo}} used as a subject: {text!r}"
    assert not re.search(r"\d{5,}", text), f"{where}: looks like a number/phone: {text!r}"


def _check() -> None:
    """Assert the bank's structure, sizes and slot usage (raises AssertionError)."""
    assert set(LOOKALIKE_BEHAVIOURS) == set(_BEHAVIOUR_IDS), set(LOOKALIKE_BEHAVIOURS) ^ set(
        _BEHAVIOUR_IDS
    )
    for key in LOOKALIKE_SLOTS:
        assert key.startswith("la_"), f"slot name {key!r} must start with la_"
        assert key not in _BASE_SLOTS
    allowed = _BASE_SLOTS | frozenset(LOOKALIKE_SLOTS)

    # slot values: at least 3 each, only base slots inside (one level of nesting)
    for key, values in LOOKALIKE_SLOTS.items():
        assert isinstance(values, list) and len(values) >= 3, f"{key}: too few values"
        assert len(set(values)) == len(values), f"{key}: duplicate values"
        for value in values:
            assert isinstance(value, str) and value.strip() == value and value, (key, value)
            for slot in _slots_in(value):
                assert slot in _BASE_SLOTS, f"{key}: nested slot {{{slot}}} must be a base slot"
            assert not _GENDER_RE.search(value), f"{key}: gendered pronoun in {value!r}"

    used_la: set[str] = set()
    for bid in _BEHAVIOUR_IDS:
        entry = LOOKALIKE_BEHAVIOURS[bid]
        assert set(entry) == {"channel", "did", "ger", "if"}, f"{bid}: keys {sorted(entry)}"
        assert entry["channel"] in _CHANNELS, f"{bid}: bad channel {entry['channel']!r}"
        stalk_count = 0
        for part, minimum in _MIN_SIZES.items():
            items = entry[part]
            assert isinstance(items, list), f"{bid}.{part} must be a list"
            assert len(items) >= minimum, f"{bid}.{part}: {len(items)} < {minimum}"
            assert len(set(items)) == len(items), f"{bid}.{part}: duplicates"
            for text in items:
                where = f"{bid}.{part}"
                _check_text(text, allowed, where)
                used_la.update(s for s in _slots_in(text) if s.startswith("la_"))
                if part == "did":
                    assert text.startswith(("{S}", "{S},", "{Vs}")), (
                        f"{where}: must start with a subject slot: {text!r}"
                    )
                elif part == "ger":
                    assert text.split()[0].endswith("ing"), f"{where}: not a gerund: {text!r}"
                    assert "{S}" not in text and "{Vs}" not in text.split()[0], (
                        f"{where}: gerund must have no subject: {text!r}"
                    )
                else:
                    verb = text.split()[0]
                    assert verb.endswith("s") or verb in {"won't", "can't"}, (
                        f"{where}: not 3rd-person present: {text!r}"
                    )
                    assert not text.startswith("{"), f"{where}: has a subject: {text!r}"
                if "stalk" in text.lower():
                    stalk_count += 1
        if bid in _STALK_ALLOWED:
            assert stalk_count <= 2, f"{bid}: loose 'stalking' should be rare ({stalk_count})"
        else:
            assert stalk_count == 0, f"{bid}: the word 'stalking' is not allowed here"

    # every la_ slot defined is also used, somewhere in the behaviours
    unused = set(LOOKALIKE_SLOTS) - used_la
    assert not unused, f"unused la_ slots: {sorted(unused)}"

    assert isinstance(FILLER, list) and len(FILLER) >= 40, f"FILLER: {len(FILLER)} < 40"
    assert len(set(FILLER)) == len(FILLER), "FILLER: duplicates"
    for text in FILLER:
        _check_text(text, allowed, "FILLER")
        assert "stalk" not in text.lower(), f"FILLER mentions stalking: {text!r}"


if __name__ == "__main__":
    _check()
    print("ok")
