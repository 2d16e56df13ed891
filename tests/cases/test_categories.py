"""The learned service suggestions, trained on a generated history of 4,000 cases in 40
services. The residents' phrasings are written for this test: for each service a few ways of
naming the thing and of saying what is wrong, put together with openers, places and details at
random, so no two descriptions need be the same and the held-out fifth is new text. One in
five uses a complaint that fits any service ("is not working", "please help") and one in
sixteen says nothing else, so no model can be perfect: the stated aim allows for that."""

from __future__ import annotations

import random

import pytest

from cases import categories

# service: (ways of naming the thing, ways of saying what is wrong or wanted)
PHRASES = {
    "Missed bin collection": (
        ["bin", "wheelie bin", "rubbish", "refuse"],
        ["was not emptied", "was missed", "nobody collected it", "is still full on the street"],
    ),
    "Bulky waste pick-up": (
        ["old sofa", "fridge", "mattress", "wardrobe"],
        ["needs taking away", "can you collect it", "how do I get rid of it", "book a bulky collection"],
    ),
    "New or replacement bin": (
        ["new bin", "replacement bin", "recycling box", "food caddy"],
        ["was stolen", "is broken", "we just moved in and need one", "lid has snapped"],
    ),
    "Recycling centre opening hours": (
        ["recycling centre", "tip", "household waste site"],
        ["when is it open", "opening times on sunday", "is it open on bank holidays"],
    ),
    "Garden waste subscription": (
        ["garden waste", "green bin", "brown bin subscription"],
        ["want to subscribe", "renew my permit", "how much does it cost this year"],
    ),
    "Pothole report": (
        ["pothole", "hole in the road", "broken tarmac"],
        ["damaged my tyre", "is getting deeper", "is dangerous for cyclists"],
    ),
    "Street light not working": (
        ["street light", "lamp post", "street lamp"],
        ["is out", "keeps flickering", "has been dark for a week"],
    ),
    "Graffiti removal": (
        ["graffiti", "spray paint", "tags"],
        ["on the underpass", "all over the bus shelter", "offensive words on a wall"],
    ),
    "Fly-tipping report": (
        ["dumped rubbish", "fly tipping", "pile of bags and a mattress"],
        ["left in the lane", "behind the shops", "dumped overnight"],
    ),
    "Snow clearing and gritting": (
        ["ice", "snow", "grit bin"],
        ["the road was not gritted", "the pavement is like an ice rink", "grit bin is empty"],
    ),
    "Residents' parking permit": (
        ["parking permit", "residents permit", "visitor permit"],
        ["apply for one", "renew it", "for my new car"],
    ),
    "Parking fine appeal": (
        ["parking ticket", "penalty charge notice", "parking fine"],
        ["want to appeal", "was unfair", "the sign was hidden"],
    ),
    "Blue badge application": (
        ["blue badge", "disabled parking badge"],
        ["apply for my mother", "renewal form", "my badge expired"],
    ),
    "Council tax payment": (
        ["council tax", "direct debit for council tax"],
        ["want to pay", "set up instalments", "missed a payment"],
    ),
    "Council tax bill query": (
        ["council tax bill", "tax statement"],
        ["looks too high", "wrong band", "charged twice"],
    ),
    "Council tax discount or exemption": (
        ["single person discount", "student exemption", "council tax reduction"],
        ["am I entitled", "I now live alone", "claim the discount"],
    ),
    "Housing benefit claim": (
        ["housing benefit", "help with rent"],
        ["make a claim", "my claim was stopped", "change of circumstances"],
    ),
    "Free school meals": (
        ["free school meals", "school lunch help"],
        ["apply for my children", "are we eligible", "the form for meals"],
    ),
    "Council house repair": (
        ["boiler", "leaking roof", "damp in the bedroom", "broken window"],
        ["in my council flat needs fixing", "repair needed urgently", "landlord repair"],
    ),
    "Housing application": (
        ["housing register", "council housing list", "social housing"],
        ["join the waiting list", "where am I on the list", "we are homeless soon"],
    ),
    "Rent payment": (["rent", "rent account"], ["pay my rent", "arrears letter", "balance on my account"]),
    "Antisocial behaviour": (
        ["neighbours shouting", "youths on the estate", "drug dealing on the stairs"],
        ["every night", "threatening people", "need it stopped"],
    ),
    "Birth registration appointment": (
        ["register a birth", "baby's birth certificate"],
        ["book an appointment", "our daughter was born last week", "deadline to register"],
    ),
    "Death registration": (
        ["register a death", "my father passed away"],
        ["what do I need to bring", "appointment with the registrar", "medical certificate"],
    ),
    "Marriage or civil partnership": (
        ["wedding", "civil partnership", "marriage ceremony"],
        ["give notice", "book the registry office", "ceremony date"],
    ),
    "Certificate copies": (
        ["copy of a birth certificate", "marriage certificate copy", "certified copy"],
        ["order one", "for a passport", "lost the original"],
    ),
    "Noise complaint": (
        ["loud music", "barking dog", "noise from a party"],
        ["keeps me awake", "every weekend", "until three in the morning"],
    ),
    "Pest control": (
        ["rats", "mice", "wasps nest", "cockroaches"],
        ["in the kitchen", "in the garden", "need treatment"],
    ),
    "Food hygiene complaint": (
        ["takeaway", "restaurant kitchen", "food I bought"],
        ["made me ill", "dirty and smelly", "found a hair in it"],
    ),
    "Planning application enquiry": (
        ["planning application", "extension plans", "planning permission"],
        ["neighbour's plans", "object to it", "status of my application"],
    ),
    "Building control inspection": (
        ["building control", "inspection of the foundations", "completion certificate"],
        ["book an inspector", "sign off the work", "inspection visit"],
    ),
    "Tree preservation": (
        ["protected tree", "oak tree", "tree preservation order"],
        ["can I cut it back", "permission to fell", "overhanging my garden"],
    ),
    "Library membership and loans": (
        ["library card", "library books", "book loan"],
        ["renew my loans", "join the library", "overdue charges"],
    ),
    "Sports centre booking": (
        ["swimming lessons", "badminton court", "gym membership", "sports hall"],
        ["book a slot", "cancel my booking", "prices for children"],
    ),
    "Park and playground maintenance": (
        ["playground swing", "park bench", "park gate"],
        ["is broken", "glass on the slide", "needs repair in the park"],
    ),
    "School admissions": (
        ["school place", "primary school application", "secondary school"],
        ["apply for September", "appeal the allocation", "moving into the area"],
    ),
    "School transport": (
        ["school bus", "transport to school", "travel pass for school"],
        ["my son is eligible", "the bus did not come", "apply for a pass"],
    ),
    "Adult social care referral": (
        ["care assessment", "support for my elderly mother", "social worker"],
        ["she cannot cope at home", "request an assessment", "after a fall"],
    ),
    "Home care and meals": (
        ["home carers", "meals on wheels", "care visits"],
        ["did not arrive", "change the times", "start delivery for my dad"],
    ),
    "Elections and voter registration": (
        ["electoral register", "postal vote", "polling card"],
        ["register to vote", "apply for a postal vote", "wrong name on it"],
    ),
}
GENERIC = [
    "is not working",
    "needs sorting out",
    "please help",
    "who do I contact",
    "I want to complain",
    "how much does it cost",
    "can someone call me back",
]
OPENERS = [
    "",
    "Hello, ",
    "Hi, I'm calling because ",
    "Good morning. ",
    "Resident says ",
    "Caller reports: ",
    "Question: ",
]
PLACES = [
    "on Mill Road",
    "at 14 Church Street",
    "near the station",
    "on the Northfield estate",
    "",
    "",
    "outside number 7",
]
ENDINGS = ["", " Please call back.", " Thanks.", " This is the second time.", " Urgent please.", ""]


def generated_history(count: int, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    services = sorted(PHRASES)
    texts, labels = [], []
    for index in range(count):
        service = services[index % len(services)]
        things, problems = PHRASES[service]
        thing, problem = rng.choice(things), rng.choice(problems)
        body = rng.choice([f"the {thing} {problem}", f"{problem}, it is about the {thing}", f"{thing}: {problem}"])
        roll = rng.random()
        if roll < 0.20:  # a complaint that could be about anything, with the thing named
            body = f"the {thing} {rng.choice(GENERIC)}"
        elif roll < 0.26:  # only that: no service can be told from it
            body = rng.choice(GENERIC)
        text = f"{rng.choice(OPENERS)}{body} {rng.choice(PLACES)}.{rng.choice(ENDINGS)}"
        if rng.random() < 0.1:  # a typo, as agents type fast
            cut = rng.randrange(1, len(text) - 1)
            text = text[:cut] + text[cut + 1 :]
        texts.append(" ".join(text.split()))
        labels.append(service)
    return texts, labels


def test_the_model_learns_the_services_from_the_history():
    assert len(PHRASES) == 40
    texts, names = generated_history(4000, seed=3)
    ids = {name: index + 1 for index, name in enumerate(sorted(PHRASES))}
    model, evaluation = categories.train(texts, [ids[n] for n in names], seed=3)
    assert (evaluation.cases, evaluation.services) == (4000, 40)
    # Stated aim on the held-out fifth: at least 90% right first time and 92% within the top three
    # (measured with this seed: 95.5% and 95.9%; about 6% of the descriptions name no service).
    assert evaluation.accuracy >= 0.90 and evaluation.top3_accuracy >= 0.92, evaluation
    assert evaluation.macro_f1 >= 0.88, evaluation
    names_by_id = {i: n for n, i in ids.items()}
    top = categories.suggest_with_model(model, "the street lamp outside my house is out", names_by_id)
    assert top[0].name == "Street light not working" and 0 < top[0].confidence <= 1 and len(top) == 3


def test_too_little_history_says_why():
    texts, names = generated_history(120, seed=1)
    assert categories.enough_history(list(range(120))) == (
        "only 120 cases with a service in the register (a model needs 200)"
    )
    with pytest.raises(ValueError, match="only 120 cases"):
        categories.train(texts, [1] * 120)


def test_the_keyword_fallback_matches_the_catalogue():
    services = [
        {"id": 1, "name": "Missed bin collection", "keywords": "bin rubbish refuse"},
        {"id": 2, "name": "Street light not working", "keywords": "lamp lighting"},
        {"id": 3, "name": "Pothole report", "keywords": "road hole"},
    ]
    top = categories.suggest_by_keywords("My bins were not collected on Tuesday", services)
    assert [s.name for s in top] == ["Missed bin collection"]
    assert top[0].confidence == pytest.approx(2 / 5)  # "bin" and "collection" of its 5 words
    assert categories.suggest_by_keywords("the lamp at the corner is not working", services)[0].service_id == 2
    assert categories.suggest_by_keywords("Something else entirely", services) == []
