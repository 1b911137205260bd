"""Article texts for the hold-out pages (written for this project; places, people and
events are invented). Each entry: slug, title, author, ISO date, body blocks.

A body block is a paragraph, ``"## heading"`` for a subheading, ``"- item"`` for a list
item, ``"> quote"`` for a quoted passage (all of them article text, in the gold body).
Live blogs: ``"@ 14.32 | heading"`` starts an entry (the time is page furniture, the
heading, when there is one, is article text).
"""

from __future__ import annotations

LIVEBLOGS = [
    (
        "storm-ellen-live",
        "Storm Ellen live: coastal roads closed as gusts reach 90mph",
        "Priya Nandakumar",
        "2025-11-18",
        [
            "@ 16.05 | Ferry services cancelled until Thursday",
            "All sailings between Port Carrow and the islands have been cancelled until at least "
            "Thursday morning, the operator said, after waves of up to eight metres were recorded "
            "at the harbour mouth.",
            "Passengers holding tickets for Wednesday can rebook free of charge or claim a full "
            "refund through the company's website.",
            "@ 15.40 | ",
            "The council has opened two rest centres, at Carrow Leisure Centre and St Bride's "
            "church hall, for residents who have been asked to leave homes along the seafront. "
            "Both will stay open overnight and hot food is being served.",
            "@ 15.12 | Power cuts affect 14,000 homes",
            "The regional grid operator says about 14,000 homes are without electricity, most of "
            "them in villages along the northern estuary where fallen trees have brought down "
            "overhead lines.",
            "Engineers are standing by but will not be sent out until wind speeds drop below 60mph "
            "for safety reasons, a spokesperson said.",
            "- Carrow North: about 6,200 homes",
            "- Estuary villages: about 5,100 homes",
            "- Inland farms and hamlets: about 2,700 homes",
            "@ 14.48 | ",
            "A gust of 91mph has been recorded at the Heskin Point weather station, the highest "
            "reading in the region since the storm of February 2014, forecasters said.",
            "@ 14.20 | Coastal road shut in both directions",
            "Police have closed the B4120 coast road between Carrow and Millhaven in both "
            "directions after shingle and debris were thrown onto the carriageway by the waves.",
            "Drivers are being told to use the inland route through Ashby Cross, which is adding "
            "around 40 minutes to journeys.",
        ],
    ),
    (
        "budget-day-live",
        "County budget day live: council tax to rise 4.9% as libraries spared",
        "Tom Ellery",
        "2025-02-26",
        [
            "@ 13.55 | Budget approved by 38 votes to 21",
            "The budget has been approved after a debate lasting almost four hours. Thirty-eight "
            "councillors voted in favour, twenty-one against and three abstained.",
            "The leader of the opposition said the rise would hit pensioners on fixed incomes "
            "hardest and called for a review of the council's property portfolio instead.",
            "@ 12.30 | Libraries spared from cuts",
            "In a late change to the proposals, the cabinet member for communities confirmed that "
            "none of the county's 22 libraries will close this year. Opening hours at five "
            "smaller branches will be reviewed in the summer.",
            "@ 11.47 | ",
            "Campaigners from the Save Our Buses group have gathered outside County Hall with "
            "placards. About 60 people are taking part in the peaceful protest, which organisers "
            "say will continue until the vote.",
            "@ 11.05 | What the 4.9% rise means for households",
            "For a Band D property the increase works out at about £87 a year, or £1.67 a week. "
            "Band A households will pay about £58 more over the year.",
            "@ 10.30 | Meeting under way",
            "The full council meeting has begun at County Hall. The council leader opened the "
            "debate by saying the authority faced a gap of £31 million over the next two years "
            "and had been left with no easy choices.",
        ],
    ),
    (
        "marathon-live",
        "City marathon live: record field of 18,000 runners sets off",
        "Grace Adebayo",
        "2025-04-13",
        [
            "@ 12.40 | Men's winner crosses the line in 2:09:31",
            "Daniel Korir has won the men's race in 2 hours 9 minutes 31 seconds, a course "
            "record by almost a minute. He pulled away from the leading group at the 35km mark "
            "along the river and was never caught.",
            "\u201cThe crowd on the bridge carried me, I could not hear my own breathing,\u201d he "
            "said after being wrapped in a foil blanket at the finish.",
            "@ 12.15 | ",
            "The women's race is developing into a two-way battle between defending champion "
            "Ruth Chebet and debutant Alina Moraru, who are running side by side through the "
            "park at 30km.",
            "@ 11.20 | Warm conditions",
            "Organisers have asked runners to slow down and use every water station as "
            "temperatures climb to 21C, unusually warm for April. Extra medical teams have been "
            "sent to the last five kilometres of the course.",
            "@ 09.00 | And they're off",
            "The elite wheelchair races started at 8.45am, followed by the elite men and women "
            "and then the mass start, which will take more than an hour to clear the start line "
            "on Victoria Parade.",
        ],
    ),
    (
        "election-count-live",
        "Mayoral election count live: turnout up as first results are declared",
        "Owen Bracewell",
        "2025-05-02",
        [
            "@ 03.10 | Hartley elected mayor",
            "Sofia Hartley has been elected mayor with 52.4% of the vote after second "
            "preferences were counted, beating the incumbent by just over 6,000 votes.",
            "In her acceptance speech she promised to put bus franchising and affordable housing "
            "at the top of her agenda in her first hundred days.",
            "@ 01.45 | Turnout at 36.8%",
            "The returning officer has announced a turnout of 36.8%, up from 29.1% at the last "
            "mayoral election four years ago. Officials said postal votes accounted for almost a "
            "third of ballots cast.",
            "@ 00.20 | ",
            "Counting agents for both main candidates say the result is too close to call in the "
            "eastern wards, where ballot boxes from the last polling stations have just arrived.",
            "@ 23.05 | Polls closed",
            "Polls closed at 10pm and the verification of ballot papers is under way at the "
            "exhibition centre. The first declaration is not expected before 1am.",
        ],
    ),
]

AEM = [
    (
        "reservoir-water-levels",
        "Reservoir levels fall to lowest autumn figure in two decades",
        "Fiona Mackay",
        "2025-10-07",
        [
            "Water levels at the Glenbrae reservoir have fallen to 41% of capacity, the lowest "
            "figure recorded in early October for more than twenty years, the supplier said on "
            "Tuesday.",
            "A dry summer followed by a September with barely a third of its usual rainfall has "
            "left the reservoir, which supplies about 180,000 homes, with exposed banks and a "
            "visible ring of cracked mud.",
            "## No hosepipe ban for now",
            "The company said it had no plans to introduce a hosepipe ban this year but asked "
            "customers to take shorter showers and fix dripping taps.",
            "\u201cWe are moving water around our network from sources that are in better shape, "
            "and that buys us time,\u201d said operations director Colin Reid.",
            "Anglers who use the reservoir say the low water has exposed the remains of the "
            "farmhouse that was flooded when the valley was dammed in 1958.",
            "Forecasters expect a wetter pattern to set in from the middle of the month, which "
            "would allow levels to begin recovering before winter.",
        ],
    ),
    (
        "school-meals-pilot",
        "Free breakfast clubs to start at 12 primary schools in January",
        "Marcus Holloway",
        "2025-11-20",
        [
            "Twelve primary schools in the valley will offer free breakfast clubs to all pupils "
            "from January under a pilot scheme funded by the regional education board.",
            "The clubs will open 30 minutes before the start of the school day and serve cereal, "
            "toast, fruit and yoghurt. Schools taking part were chosen because more than a "
            "quarter of their pupils qualify for free lunches.",
            "Head teacher Leanne Bryce, whose school in Cwm Isaf is one of the twelve, said staff "
            "regularly saw children arriving hungry.",
            "\u201cYou cannot learn fractions on an empty stomach. This will make a difference "
            "from the first morning,\u201d she said.",
            "The pilot will cost about £420,000 in its first year. The board will decide next "
            "autumn whether to extend it to every primary school in the region.",
        ],
    ),
    (
        "bridge-repairs-delay",
        "Repairs to Old Mill bridge delayed until spring after survey finds more damage",
        None,
        "2025-09-29",
        [
            "Repairs to the Old Mill bridge will not be finished until next spring after a "
            "survey found more damage to its stonework than engineers had expected, the "
            "highways department said.",
            "The Grade II listed bridge, which carries the main road into Abbotsford, has been "
            "closed to vehicles since June, forcing drivers onto a diversion of nearly five "
            "miles.",
            "Divers found that two of the three river piers had been undermined by floodwater, "
            "and the work will now include underwater repairs that can only be carried out when "
            "the river is low.",
            "Traders in the town centre say the closure has cut footfall. The owner of a cafe on "
            "Bridge Street said takings were down by about a third since the summer.",
            "The council said it would review parking charges in the town to help businesses "
            "while the bridge remains shut.",
        ],
    ),
    (
        "hospital-parking",
        "Hospital scraps parking charges for patients with long-term conditions",
        "Niamh Gallagher",
        "2025-08-14",
        [
            "Patients who visit St Columba's hospital regularly for treatment such as dialysis or "
            "chemotherapy will no longer have to pay for parking from next month.",
            "The health trust said about 2,500 people would qualify for a free permit, which "
            "will be linked to their car registration and issued by the outpatients department.",
            "The change follows a petition signed by more than 9,000 people, started by the "
            "daughter of a cancer patient who said her father had spent more than £600 on "
            "parking during a year of treatment.",
            "## How to apply",
            "- Ask at the outpatients reception on your next visit",
            "- Bring your appointment letter and vehicle registration",
            "- Permits are valid for 12 months and can be renewed",
            "Parking charges for visitors and staff are not changing.",
        ],
    ),
]

NEWSLETTERS = [
    (
        "why-the-harbour-matters",
        "Why the harbour still matters",
        "Elin Rowe",
        "2025-06-02",
        [
            "Every town has a story it tells about itself, and ours has always started at the "
            "harbour. The boats are fewer now, the fish market is a car park, and yet when the "
            "council proposed selling the east quay last month, more people turned up to the "
            "meeting than for any planning decision I can remember.",
            "I spent the week talking to people who work there, and to some who used to.",
            "## The last full-time crews",
            "There are four boats left that fish full time out of the harbour, down from more "
            "than thirty in the 1980s. Their skippers are all over fifty.",
            "> We are not asking for anything special. We are asking them not to take away the "
            "one place we can still land a catch.",
            "That was Rhys Davies, who has fished out of the east quay for thirty-four years, "
            "speaking at the meeting to long applause.",
            "## What the sale would mean",
            "The council says the sale would raise about £2 million and that the fishing fleet "
            "could move to the west pontoons. The skippers say the pontoons are too shallow at "
            "low tide for their boats.",
            "The decision has been postponed until September. I will be there, and I will write "
            "about it here.",
        ],
    ),
    (
        "notes-on-a-small-election",
        "Notes on a small election",
        "Elin Rowe",
        "2025-05-06",
        [
            "The by-election for the town's harbour ward was decided by eleven votes on "
            "Thursday, and I have been thinking since about what a small margin tells us.",
            "Turnout was 31%. That means about 1,400 people chose a councillor on behalf of "
            "nearly 4,600 voters. Nobody I spoke to on the doorstep last week could name all "
            "three candidates.",
            "## Three things that stood out",
            "- Postal votes decided it: the winner was behind on the votes cast in person",
            "- Both main candidates campaigned almost entirely on parking",
            "- The independent candidate won more votes than at the last two elections combined",
            "None of this is unusual for a local contest, but the margin should worry anyone who "
            "thinks their one vote does not count. Eleven people could have changed the result by "
            "walking to the church hall.",
            "The new councillor takes her seat at the meeting on the 20th.",
        ],
    ),
    (
        "the-bakery-on-quay-street",
        "The bakery on Quay Street is closing. Here is what it meant",
        "Sam Okafor",
        "2025-03-21",
        [
            "After forty-one years, Morgan's bakery on Quay Street will close its doors for the "
            "last time on Saturday. Glenys Morgan, who took it over from her parents, is "
            "retiring, and nobody has come forward to buy the business.",
            "I went in on Tuesday morning and the queue was out of the door by half past seven.",
            "> People keep asking me what will happen to the recipes. I tell them the recipes are "
            "the easy part. It is getting up at four every morning that nobody wants.",
            "She has agreed to teach two students from the catering college how to make the "
            "bara brith that the shop is known for, so at least that will survive.",
            "The building's owner says he hopes to let it to another food business, but "
            "admits that rents on the street have doubled in a decade.",
            "If you have a memory of the shop, reply to this email and I will collect them for "
            "next week's letter.",
        ],
    ),
    (
        "counting-the-swifts",
        "Counting the swifts",
        "Sam Okafor",
        "2025-07-11",
        [
            "For three evenings last week about sixty volunteers stood on street corners across "
            "the town with clipboards, counting swifts. It is the fourth year of the survey, and "
            "the news is better than expected.",
            "The count found 212 birds screaming over the rooftops, up from 168 last year. The "
            "organisers credit the nest boxes that have been fitted under the eaves of more than "
            "a hundred houses since 2022.",
            "## Why swifts need help",
            "Swifts nest in gaps under roof tiles and in old walls, and modern building work "
            "tends to seal those gaps. The birds return to the same site every year, so when a "
            "roof is repaired a pair can lose its home for good.",
            "The survey group is looking for more households willing to take a box. They cost "
            "about £30 and the group will fit them for free.",
        ],
    ),
]
