"""Incidental detail that officers write into incident logs of every kind.

Real incident notes are full of material that has nothing to do with what kind of
incident is being recorded: the logistics of attendance, timings and delays, the
weather and lighting, the layout of the premises and how officers got in, checks
done on police systems, who else was present, interpreters and other communication
issues, pets at the address, follow-up admin such as statements and callbacks, and
CCTV or house-to-house enquiries that found nothing.  The clauses in this module
reproduce that background texture.

None of these clauses says anything about whether the incident is stalking,
harassment, a dispute or anything else: they describe no behaviour by any suspect
and no relationship between the parties.  The bank was written independently of
every other phrase bank in the generator, and its sentences are inserted into notes
regardless of the incident's label, so they carry no signal about the label.

The ``verbose`` style has its own bank of incidental detail (``FILLER``) and is kept out of
training to test writing the model never saw; six clauses of this bank that shared a third or
more of their content words with a ``FILLER`` clause were removed, and
``tests/test_synth.py`` keeps it so.

Slot markers filled in later: ``{Vs}`` the victim as a subject, ``{Vo}`` the victim
as an object, ``{Vp}`` the victim's possessive, ``{n}`` a small number and
``{third}`` a relative or friend of the victim.
"""

from __future__ import annotations

__all__ = ["INCIDENTAL"]

INCIDENTAL: list[str] = [
    "the first unit assigned was diverted to a higher-priority call and attendance was delayed",
    "officers arrived on scene approximately {n} minutes after the call was graded",
    "it was raining heavily at the time of attendance and visibility on the road was poor",
    "it was already dark by the time officers arrived and the road was quiet",
    "access to the block is via a fob-controlled door and officers were buzzed in",
    "the door entry system was not working so officers waited for a resident to let them in",
    "a PNC check was completed on all persons named in the call with no trace",
    "local intelligence systems were checked and there is nothing further of note recorded",
    "the occurrence has been updated with the collar numbers of both attending officers",
    "{Vs} was provided with a crime reference number before officers left the address",
    "body-worn video was activated on arrival and the footage has been tagged as evidential",
    "body-worn video was not available as the officer's camera had not charged overnight",
    "an interpreter was requested through the language line as {Vp} first language is Polish",
    "the account was obtained with the assistance of a telephone interpreter speaking Romanian",
    "{Vs} is hard of hearing and part of the conversation was conducted in writing",
    "there was a large dog at the address which was shut in a back room before officers entered",
    "a cat lives at the property and {Vs} asked officers to keep the front door closed",
    "{Vs} works night shifts at a care home and was only available after midday",
    "{Vs} is recovering from a recent knee operation and has limited mobility at present",
    "the statement has not yet been taken and is booked in for later in the week",
    "a callback was arranged for the next morning as {Vs} was due to leave for work",
    "attempts to reach the caller on the number provided went to voicemail on {n} occasions",
    "house-to-house enquiries were carried out in the immediate area with negative results",
    "a CCTV request has been sent to the council control room and a reply is awaited",
    "the shop opposite has cameras but they do not cover the front of the address",
    "the CCTV at the premises had overwritten itself after {n} days and nothing was retrievable",
    "the call came in via 101 and was initially graded as a scheduled response",
    "the call handler noted a poor line and had to ask the caller to repeat the address twice",
    "the caller's phone battery was low and the line dropped before all details were taken",
    "the police vehicle was left on the main road as the access lane is too narrow",
    "{third} was present throughout and sat in on the conversation at {Vp} request",
    "{third} let officers into the property as {Vs} was upstairs at the time",
    "no other persons were present at the address during the officers' attendance",
    "a referral to Victim Support has been made with consent and details passed on",
    "the relevant local authority team has been informed as a matter of routine",
    "the log has been passed to the day shift for completion of outstanding enquiries",
    "the officer in the case is on rest days until Thursday so the log has been reassigned",
    "the duty sergeant has reviewed the log and is content with the actions taken so far",
    "the attending officer was a student officer under the supervision of a tutor constable",
    "the address was hard to find as the house numbers on the street are not in sequence",
    "the satnav directed officers to the rear of the block and they had to walk round",
    "the flat was clean and tidy and there were no concerns about the condition of the property",
    "the weather was dry and mild with good visibility along the length of the street",
    "snow had settled on the pavements and the roads on the estate had not been gritted",
    "the caller could not give an exact time and estimated it at around {n} o'clock",
    "the officer's pocket notebook entry has been scanned and attached to the occurrence",
    "photographs were taken on the officer's work mobile and uploaded to the evidence system",
    "a supervisor was unable to attend due to a concurrent incident elsewhere in the district",
    "radio signal was poor inside the building and officers stepped outside to update control",
    "the log was closed in error and has since been reopened by the control room",
    "a duplicate log was created from a second call and has been linked to this one",
    "{Vs} provided a landline number as the best point of contact during the day",
    "{Vs} asked to be contacted by email as {Vp} phone is switched off while on shift",
    "{Vs} is due to go abroad on holiday for {n} weeks from the end of the month",
    "officers were offered a hot drink on arrival which they politely declined",
    "a key holder had to be contacted as the communal door code had recently been changed",
    "roadworks on the approach road meant a diversion which slowed the response",
    "an update was given to {Vo} by telephone towards the end of the shift",
    "the records system has been updated and the log linked to the crime report",
    "no forensic opportunities were identified by the attending officers at the scene",
    "the victim personal statement scheme was explained and will be revisited at the next contact",
    "officers attended in an unmarked car as no marked units were free at the time",
    "the address carries a historic marker for oxygen cylinders being stored at the property",
    "officers waited for {Vs} to return from a GP appointment before taking details",
    "the stairwell lighting was on a timer and kept switching off during the visit",
    "{Vs} has lived at the address for around {n} years and knows the area well",
    "the report was first made in person at the front counter of the local police station",
    "officers left a contact card through the letterbox as there was no reply on the first visit",
    "the attending officer stayed on past the end of the shift to complete the paperwork",
    "the statement was recorded on a mobile device and signed electronically at the scene",
    "carers visit the address twice daily and a key safe is fitted by the front door",
    "the conversation took place in the kitchen as the living room was being redecorated",
    "the call was transferred from an adjacent force area as the address is close to the border",
    "officers were redeployed part way through the visit and a second visit has been arranged",
]
