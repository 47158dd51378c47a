"""`parley personas new <id>`: a complete, valid, commented persona file a trainer can edit.

The template is also the annotated example in docs/personas.md (rendered there by
`parley personas schema --write`), so the example a trainer reads is one that loads, trains and plays.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List

from parley.personas import IDENT, PERSONA_DIR, PersonaError, Problem, display_path, load_personas, persona_files

TEMPLATE = """\
# Persona: __TITLE__. (The example inside is a café owner whose coffee-bean price just went up.)
# Written by `parley personas new __ID__`. Everything below is an example: change the words and
# numbers to your own customer, then run
#     parley personas check      (finds mistakes, with the line to fix)
#     parley personas test       (plays the conversations in personas/tests/)
#     bash scripts/train.sh      (only needed when you change the id or the stories)
# Lines starting with # are comments; the trainee never sees them. Indent with spaces, never tabs.
# Put a line in "quotes" when it starts with { or contains ': ' (for example "{price} works").

id: __ID__            # used in /start_session{"persona": "__ID__"}; lower_case_with_underscores
name: __NAME__        # the customer's name; {name} in any line below is replaced by it
title: "__TITLE__"   # one line in the persona picker: who they are, what they want; each persona needs its own
default_difficulty: normal   # easy, normal or hard, when the trainee does not choose

# What the trainee reads before the chat starts.
briefing:
  customer: >-
    __NAME__ owns a small café and has bought coffee beans from you every week for three years.
  situation: >-
    The price of a 5 kg bag went up from $40 to $46 this month. __NAME__ has opened a chat about it.
  goal: >-
    Keep __NAME__ as a customer on terms inside the company's limits. Find out what matters before
    you talk numbers.
  product: coffee beans
  unit: bag              # "per bag" in the briefing and in the customer's lines
  currency: "$"
  list_price: 46         # the price now, per unit; offers are read against it
  previous_price: 40     # optional: the price before the change
  monthly_volume: 20     # optional: units bought per month; the briefing then tells the trainee
                         # "They buy about 20 bags a month." (unit "seat per month": "They have 20 seats.")

# What the rep is allowed to give. The trainee sees all of this in the briefing.
company:
  floor_price: 42        # lowest price the rep may offer; below it the report says "outside the parameters"
  tradables:             # extras the rep may offer instead of (or as well as) money off
    - id: free_delivery
      label: free delivery on weekly orders
      keywords: [delivery, deliver, shipping, carriage]   # words that mean this extra in a trainee's turn
    - id: monthly_invoice
      label: one invoice a month instead of paying per order
      keywords: [monthly invoice, invoice monthly, once a month, payment terms, pay monthly, instalment]
    - id: price_lock
      label: a 12-month price lock
      keywords: [price lock, lock the price, lock in, freeze, fixed price, guarantee the price]

# The customer's first line; one is picked at random (the same one every time for a given session).
opening:
  - "My beans went from $40 to $46 a bag overnight. That's not how you treat a regular."
  - "Forty-six dollars a bag now? Nobody told me. I want to know what's going on."

# Optional: words that mean a move in __NAME__'s world, which the move detector does not know.
# Each phrase is matched on whole words, any case and any form of a word ("pauses" matches "pause"),
# and a phrase beats what the detector read in the same sentence (here "everyone pays" is holding
# the position, not a plain statement). Moves: the names used in the reactions section below.
phrases:
  hold_position: ["everyone pays", "same price for everyone", "the price is the price"]
  value_add: ["put you on the monthly invoice"]
  pressure: ["you have to pay", "or we stop deliveries"]

# Hidden parameters: the trainee must discover or respect these; they appear only in the report.
# These are the 'normal' values; see `difficulty:` at the end for easy and hard.
hidden:
  reservation_price: 44  # the most __NAME__ will pay per bag (plus the worth of any need you meet)
  batna: "A roaster in town sells similar beans at $43 a bag, but delivers only once a fortnight."
  trust: 35              # 0-100 at the start. Below 35 the mood is hostile, from 65 it is open
  patience: 6            # unproductive turns (refusals, pressure, yes/no questions) before walking away
  accept_trust: 50       # trust needed before any offer is accepted
  empathy_needed: 1      # empathy or thanks the rep must show before an offer is accepted
  explore_needed: 0      # hidden interests the rep must have brought out before an offer is accepted

# The needs behind the position. An interest comes out when the trainee uses one of its
# `revealed_by` moves while trust is at least `min_trust`; one interest per turn.
interests:
  - id: wants_to_stay
    description: "__NAME__ would rather stay than change supplier, if you meet them part-way."
    revealed_by: [empathy, appreciation, open_question, summary]
    min_trust: 45
    reveal:
      - "Honestly, I don't want to change supplier. I just need you to meet me somewhere."
      - "Three years with you. I'd like to stay, but not at any price."
    satisfied_by: [concession]   # a price move meets this need once it is out
    contradicted_by: [leaving]   # "so you've decided to go anyway?" says the opposite: __NAME__ corrects it
  - id: cash_flow
    description: "Paying for every delivery up front squeezes the café's cash in quiet weeks."
    revealed_by: [open_question, summary]
    min_trust: 40
    reveal:
      - "It's the cash, really. I pay for every order up front and some weeks are slow."
      - "In a quiet week, paying for beans before I've sold the coffee really hurts."
    satisfied_by: [monthly_invoice]   # a tradable id from company.tradables
    worth: 1                          # __NAME__ pays up to $1 more per bag once this is met
  - id: feels_taken_for_granted
    description: "Three years of weekly orders should count for something."
    revealed_by: [open_question, summary, empathy]
    min_trust: 30
    reveal:
      - "Three years of orders every single week, and nobody even warned me."
      - "New customers get a welcome offer and regulars get a price rise. That's what annoys me."
    satisfied_by: [appreciation, price_lock]   # a move (thanks) or a tradable
    worth: 0.5

# What __NAME__ says to each kind of trainee move, per mood (hostile / guarded / open).
# Used when nothing bigger happens in the turn (an interest coming out, an offer, walking away).
reactions:
  greeting:
    hostile: ["Hi. Can we talk about the price?", "Hello. I haven't got long.", "Hi. Let's get to the beans."]
    guarded: ["Hi. So, about this price.", "Hello. I hope you can help.", "Hi. I've got the invoice right here."]
    open: ["Hi, thanks for picking this up.", "Hello, good to hear from you.",
           "Hi! Thanks for calling back so quickly."]
  empathy:
    hostile: ["Sorry doesn't pay my bills.", "Fine, you're sorry. And?", "Sorry won't cover six dollars a bag."]
    guarded: ["Thanks. It did catch me off guard.", "I appreciate that.",
              "Thanks. Margins on coffee are thin as it is."]
    open: ["Thanks, that helps.", "I appreciate you saying that.", "Thanks. It's good to be heard."]
  appreciation:
    hostile: ["If you valued my business you'd have warned me.", "Nice words. The invoice says otherwise.",
              "Three years, and I find out from an invoice."]
    guarded: ["Three years is a while, yes.", "Good to hear that counts for something.",
              "Thanks. I've been a steady customer."]
    open: ["Thanks, it's been a good three years.", "That's nice to hear.",
           "Thanks. Your beans are the reason my regulars come back."]
  open_question:
    hostile: ["What matters? The price I used to pay.", "I want the old price back.",
              "What matters is what I pay per bag."]
    guarded: ["Mostly the price. And the way it happened.", "The price is the main thing.",
              "The price, and being told about it in time."]
    open: ["Good question. Let me explain.", "Happy to tell you.",
           "Glad you asked. It's more than the price, honestly."]
  closed_question:
    hostile: ["Yes.", "No.", "Maybe. Why?"]
    guarded: ["Yes, roughly.", "Not really.", "Broadly, yes."]
    open: ["Yes, that's right.", "Mostly, yes.", "Yes, pretty much."]
  summary:
    hostile: ["Something like that.", "If you say so.", "Near enough."]
    guarded: ["Yes, that's about it.", "That's fair, yes.", "Yes, that's the gist."]
    open: ["Exactly. You've got it.", "Yes, that's it.", "That's it exactly."]
  rationale:
    hostile: ["Your costs aren't my problem.", "Everyone says costs went up.",
              "My costs went up too. I didn't put my prices up fifteen percent."]
    guarded: ["OK, I can see that. It's still a big jump.", "That explains it, I suppose.",
              "I get it. Fifteen percent in one go still hurts."]
    open: ["That makes sense, thanks for explaining.", "Fair enough.", "That helps me understand it, thanks."]
  concession:
    hostile: ["That's a start.", "Hm.", "Keep going."]
    guarded: ["Go on.", "OK.", "Better."]
    open: ["That helps.", "Thank you.", "That's more like it."]
  value_add:
    hostile: ["I don't need extras, I need a fair price.", "Don't sell me add-ons.", "Extras won't fix the price."]
    guarded: ["That could help a bit.", "Maybe. What else?", "Could be useful. How would it work?"]
    open: ["That would actually be useful.", "Now that's helpful.", "That would really help me."]
  conditional_trade:
    hostile: ["So there's a catch.", "Always strings attached.", "And what do you want in return?"]
    guarded: ["I could consider that.", "Depends on the details.", "Maybe. What would I be signing up to?"]
    open: ["That sounds fair.", "I can work with that.", "That's reasonable, if it's in writing."]
  hold_position:
    hostile: ["Then we have a problem.", "That's not an answer.", "Then why are we talking?"]
    guarded: ["So you won't move at all?", "That's disappointing.", "So that's a no."]
    open: ["I hoped for a bit more flexibility.", "Really? Nothing at all?", "I thought we were getting somewhere."]
  pressure:   # any kind of pressure (a threat, a deadline, a jab): name none in particular
    hostile: ["Don't talk to me like that. There are other roasters.", "Is that how you talk to regulars?",
              "Pushing me won't keep me as a customer."]
    guarded: ["I don't like being pushed.", "That's not the tone I expected.", "Let's keep this civil, please."]
    open: ["Steady on, we were getting somewhere.", "There's no need for that.", "That's a bit much, don't you think?"]
  close:
    hostile: ["We're not there yet.", "Agree to what?", "Slow down. Nothing's agreed."]
    guarded: ["Not yet, I'm not convinced.", "Let's not rush.", "I'm not ready to sign anything yet."]
    open: ["Nearly there, I think.", "Let's go over the terms first.", "Close. Tell me exactly what I'm getting first."]
  other:
    hostile: ["Sorry?", "What's that got to do with my beans?", "And my price?"]
    guarded: ["I'm not sure what you mean.", "OK...", "Sorry, how does that help?"]
    open: ["Sorry, I'm not sure I follow.", "Right.", "Not sure I follow. What do you mean?"]

# Plain answers to factual questions the trainee may ask ("how long have you been with us?").
# Each entry: words that ask for it, and the answer. The monthly volume and the previous price are
# answered from the briefing without an entry.
facts:
  - about: [how long have, how many years]
    answer: ["Three years now."]

# Lines for offers and endings. {price} is the offered price, {counter} __NAME__'s counter-offer.
lines:
  # Any line here or in reactions may name the conditions it fits: `say:` the words, `when:` the
  # conditions (mood, this_turn, rep_did, rep_did_not, revealed, satisfied; docs/personas.md). The most
  # specific lines that fit are said first; plain lines are the fallback, so keep at least one.
  accept:     # the customer takes the offer (may use {price})
    - "OK, {price} a bag works for me. Thanks for sorting it out."
    - say: "Yes, {price} it is. Thank you for listening; I'll keep ordering."
      when: {rep_did: [earned]}          # only a rep who acknowledged __NAME__ and heard what matters
    - say: "Fine, {price}. Not how I'd have liked to get there."
      when: {rep_did: [pushed], rep_did_not: [earned]}   # after a take-it-or-leave-it start
  counter:    # the rep's price came down but is above what __NAME__ will pay (may use {price} and {counter})
    - "{price} is still more than I can justify. Could you do {counter}?"
    - "Closer, but not there. Meet me at {counter} and we have a deal."
    - "I can't make {price} work on my margins. {counter}, and I'll stay."
  counter_first:   # the rep's first price is too high: nothing is "closer" yet (may use {price} and {counter})
    - "{price} doesn't work for me. Could you do {counter}?"
    - "Not at {price}. I was thinking more like {counter}."
    - "That's a start, but {counter} is where I need to be."
  same_offer:      # the same price again, nothing new: __NAME__ repeats the counter (may use {price} and {counter})
    - "Still {price}? I said {counter}."
    - "That's the same {price} as before. My answer's still {counter}."
    - "Nothing's changed since {price}. {counter} would do it."
  push_for_more:   # a big price drop in one go invites more pushing (may use {price} and {counter})
    - "If you can drop to {price} that easily, why not {counter}?"
    - "That came quickly. So there's more room: how about {counter}?"
    - "{price} out of nowhere? Then {counter} sounds fairer."
  reject:     # a good offer, but __NAME__ is not ready: trust, empathy or exploration too low
    - "A number on its own doesn't fix this. I'm not sure you get why I'm upset."
    - say: "I don't feel you're hearing me. It isn't just about {price}."
      when: {rep_did_not: [listened]}
    - "Hold on. {price} is a number, but I'm not there yet."
  reject_unacknowledged:   # optional, instead of reject when no one has acknowledged how __NAME__ feels
    - "Maybe. But nobody has said a word about how this price rise landed."
    - "{price} might do, once someone admits this was sprung on me."
    - "Three years of orders, and not a word about how this hit me. {price} doesn't change that."
  reject_unheard:          # optional, instead of reject when __NAME__'s real needs haven't come out yet
    - "A number on its own doesn't fix this. I don't think you've understood what matters to me."
    - "Cheaper is nice, but you haven't asked me what the real problem is."
    - "You're jumping to {price} without knowing what I actually need."
  walk_away:  # patience or trust ran out: the session ends
    - "I've heard enough. I'll buy my beans elsewhere. Goodbye."
    - "This isn't going anywhere. I'm switching roasters."
    - "That's it. The roaster in town gets my order from next week."
  sympathy_fatigue:   # the third turn in a row of sympathy with nothing else
    - "I don't need sympathy, I need a solution."
    - "You keep saying you understand. What are you going to do about it?"
    - "Understanding is nice. It doesn't change my invoice."
  # The lines below have built-in defaults (docs/personas.md); `parley personas check` warns until
  # they are written in __NAME__'s words, three or more each.
  goodbye:    # after a deal, once the rep wraps up (may use {price})
    - "Great. Thanks for sorting it out."
    - "Good. Same order next week, then."
    - "Right, that's settled. Talk soon."
  went_back:  # the rep asks more than they already offered (may use {price} and {previous})
    - "You offered {previous} a moment ago. I'm holding you to that."
    - "Hang on, that's more than the {previous} you already offered."
    - "{price}? You said {previous} a minute ago."
  reneged:    # after a deal, the rep goes back on it; the session ends (may use {price})
    - "That's not what we just agreed. I'll buy elsewhere."
    - "So the deal we just made doesn't count? Then we're done here."
    - "We agreed {price}. If that's gone, so am I."
  repeated:   # the rep sends the same message again, word for word
    - "You've already said that."
    - "We've been over this. Anything new?"
    - "Same words as before. Got anything else?"
  misquoted:  # after a deal, the rep's confirmation names a higher price (may use {price} and {said})
    - "Hang on, we agreed {price}, not {said}. Can you confirm that?"
    - "That's not what we said. It was {price}, wasn't it?"
    - "{said}? No. {price} a bag is what we agreed."
  sour_goodbye:   # after a deal, when the rep's last message pressures (may use {price})
    - "Right. The deal stands, but I won't forget how this ended."
    - "Fine. Let's leave it there."
    - "OK. {price}. I'll be watching the next invoice."
  either_or:   # an either/or question no `facts` entry answers: fits either half, never a bare yes or no
    - "A bit of both, honestly."
    - "Both, if I'm honest."
    - "Honestly, a bit of each."
  unknown_fact:   # a factual question no `facts` entry answers
    - "I'd have to look that up."
    - "Not off the top of my head. Why does it matter?"
    - "No idea offhand. I'd have to check."
  private_detail:   # someone's name, an email, a phone number: not something the customer gives in this chat
    - "Why does that matter?"
    - "Why do you need that? Can we stick to the price?"
    - "Why would that matter here?"
  all_said:   # an open question once every need is out
    - "I think I've told you what matters. What can you do for me?"
    - "That's the whole picture, really. Over to you."
    - "That's everything, honestly. What's your offer?"
  small_talk:   # a friendly question about nothing in the deal (the weekend, the football, "how are you?")
    - "Maybe another time. Right now it's the price I'm thinking about."
    - "Ha. I'd rather we talked about the price, to be honest."
    - "Sure. Anyway, about the price..."
  asked_again:   # a fact already told or a need already out, asked again: said before the answer
    - "I told you that already."
    - "You asked me that a minute ago."
    - "Like I said."
  wrong_summary:   # a summary that gets __NAME__ wrong ("so you've decided to leave anyway?"): said before the need
    - "No, that's not it at all."
    - "Not quite. That's not what I said."
    - "No, you've got me wrong there."
  wrong_figure:    # a summary with a figure __NAME__ never said, such as the rival's quote (may use {said})
    - "{said}? I never said {said}."
    - "Where did {said} come from? I didn't say that."
    - "Hang on, I never mentioned {said}."
  non_apology:     # "I'm sorry you feel that way": sorry for __NAME__'s reaction, not for anything done
    - "Sorry I feel that way? The price did that, not me."
    - "That's not really an apology, is it?"
    - "Don't be sorry about my feelings. Look at the price."
  thinking:        # a thinking noise on its own ("hmm", "let me think"): __NAME__ waits
    - "Well?"
    - "Take your time. I'm listening."
    - "Go on, I'm waiting."

# Example conversations for Rasa's dialogue model, written as trainee moves. Each one starts just
# after the session start. After every `intent` (a trainee move) comes `action: action_customer_turn`.
stories:
  - story: __ID__ warms up when thanked and accepts a fair offer
    steps:
      - intent: appreciation
      - action: action_customer_turn
      - intent: open_question
      - action: action_customer_turn
      - intent: concession
      - action: action_customer_turn
  - story: __ID__ leaves a rep who will not move
    steps:
      - intent: hold_position
      - action: action_customer_turn
      - intent: pressure
      - action: action_customer_turn

# Optional: change the hidden values per level. Anything not written here keeps the built-in
# adjustment (easy: more trust, patience and budget; hard: less, and more empathy and
# exploration needed). Each level must be at least as hard as the one before it.
difficulty:
  easy:
    trust: 50
  hard:
    patience: 4
    explore_needed: 1
"""

TEST_TEMPLATE = """\
# Conversation tests for __ID__: trainee lines and what should happen.
# Run them with `parley personas test` (all files in personas/tests/) or
# `parley personas test personas/tests/__ID__.yml`. Each test plays the lines in order, offline,
# and stops early if the customer walks away (after a yes, the next line is the wrap-up).
# A turn may use {name}, {product}, {unit}, {list_price}, {floor_price} and {reservation_price}
# (at the test's difficulty), so these tests follow the persona when you change its numbers.
# A turn may also check the customer's reply to it: write it as `say:` with `reply_mentions:` (at
# least one of these words) and/or `reply_must_not_say:` (none of these); whole words, any case.
- title: thanked, asked and offered a fair price, __NAME__ accepts
  persona: __ID__
  difficulty: normal
  turns:
    - "Hi __NAME__, thank you for three years of orders. I'm sorry the new price came as a surprise."
    - "What would make this work for you?"
    - say: "Because you're a regular, I can offer {reservation_price} a {unit}."
      reply_mentions: [thank you, thanks]   # the rep acknowledged and listened: gratitude is earned
  expect:
    outcome: deal
    within_parameters: true

- title: a rep who refuses and pushes loses __NAME__
  persona: __ID__
  difficulty: normal
  turns:
    - "The price is {list_price} now. That's the standard rate."
    - "I can't change it, it's company policy."
    - say: "Take it or leave it."
      reply_must_not_say: ["yes", "deal", "thanks"]   # a jab gets a reaction to pressure, not a friendly yes
    - "Final offer. You won't find better anywhere."
  expect:
    outcome: walked_away
    overall_at_most: 40
    customer_never_says: [thanks for listening]
"""


def default_title(persona_id: str, name: str) -> str:
    """`Sam - gym member` from the id `gym_member`: unique (ids are), and plainly the trainer's to reword."""
    return f"{name} - {persona_id.replace('_', ' ')}"


def render(persona_id: str, name: str = "Sam", template: str = TEMPLATE, title: str | None = None) -> str:
    return (template.replace("__ID__", persona_id).replace("__TITLE__", title or default_title(persona_id, name))
            .replace("__NAME__", name))


def id_problems(persona_id: str, directory: Path = PERSONA_DIR) -> List[str]:
    """Why `persona_id` cannot be used for a new persona in `directory` (empty when it can)."""
    if not re.match(IDENT, persona_id):
        return [f"'{persona_id}' is not a valid id: use lower_case_with_underscores, starting with a letter "
                "(e.g. angry_dentist)"]
    target = Path(directory) / f"{persona_id}.yml"
    if target.exists() or target.with_suffix(".yaml").exists():
        return [f"{display_path(target)} already exists; edit it, or pick another id (nothing was overwritten)"]
    taken: Dict[str, str] = {}
    try:
        taken = {p: "" for p in load_personas(directory)}
    except PersonaError:
        # a broken file elsewhere must not stop a new one; look for the id as written instead
        for path in persona_files(directory):
            text = path.read_text(encoding="utf-8", errors="replace")
            found = re.search(r"^id:\s*['\"]?([\w-]+)", text, re.M)
            if found:
                taken[found.group(1)] = display_path(path)
    if persona_id in taken:
        where = f" in {taken[persona_id]}" if taken[persona_id] else ""
        return [f"a persona with the id '{persona_id}' already exists{where}; pick another id"]
    return []


def new_persona(persona_id: str, directory: Path = PERSONA_DIR, name: str = "Sam",
                with_test: bool = True, title: str | None = None) -> List[Path]:
    """Write personas/<id>.yml (and personas/tests/<id>.yml); never overwrites anything."""
    problems = id_problems(persona_id, directory)
    if problems:
        raise PersonaError([Problem(display_path(Path(directory) / f"{persona_id}.yml"), 0, "id", p)
                            for p in problems])
    if not re.fullmatch(r"[^\n\"#{}:]+", name):
        raise PersonaError([Problem("--name", 0, "", "a name is plain words (no quotes, braces, colons or #)")])
    if title is not None and not re.fullmatch(r"[^\n\"{}]+", title):
        raise PersonaError([Problem("--title", 0, "", "a title is one line of plain words (no quotes or braces)")])
    target = Path(directory) / f"{persona_id}.yml"
    written = [target]
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("x", encoding="utf-8") as f:  # "x": fails rather than overwrite
        f.write(render(persona_id, name, title=title))
    test = Path(directory) / "tests" / f"{persona_id}.yml"
    if with_test and not test.exists():
        test.parent.mkdir(parents=True, exist_ok=True)
        with test.open("x", encoding="utf-8") as f:
            f.write(render(persona_id, name, TEST_TEMPLATE))
        written.append(test)
    return written
