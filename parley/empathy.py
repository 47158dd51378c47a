"""Empathy and what only looks like it.

Empathy acknowledges the other side's feelings or situation, or apologises to them.  Many
sentences carry its words without doing that, and the detector (parley/moves.py) asks these
rules before it counts one: "I understand, but the price is fixed" is a refusal dressed as empathy
(`dismissive`, `brushed_aside`); "sorry, I meant $23" fixes a typo and "I understand you're
reviewing suppliers" means "I gather" (`look_alike`); "I'm worried we'd run at a loss" is the
speaker's own feeling (`own_feelings`); "Oh no. I need the upgrade too." is dismay at a clash
(`turns_to_self`).  `CUES` are the words without which the classifier may not find empathy at all.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from spacy.tokens import Span, Token

from parley.questions import is_symbol, word

WORDS_FILE = Path(__file__).resolve().parent / "data" / "moves" / "empathy_words.yml"
_WORDS = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))
# Empathy is a marked speech act: the classifier may find it only where one of these words is.
CUES = frozenset(str(w) for w in _WORDS["cues"])
# a circumstance of theirs that weighs on them ("your kids", "you're swamped"): acknowledging it is empathy
SITUATION = frozenset(str(w) for w in _WORDS["situation"])
ACKNOWLEDGE = frozenset(str(w) for w in _WORDS["acknowledge"])
WITH_THEM = frozenset(str(w) for w in _WORDS["with_them"])
_SECOND_PERSON = {"you", "your", "yours", "u", "ur", "youre", "yourself"}
# "I think that sounds reasonable, ...": a verdict on the deal that opens the sentence
_VERDICT = re.compile(r"^\W*(?:(?:i think|i guess|ok|okay|yes|yeah|yep|sure|well|hmm+|alright|right|oh)\W+)*"
                      r"(?:(?:that|this|it|which)\s*)?(?:works?|(?:'s|is|sounds?|seems?|looks?)\s*"
                      r"(?:(?:very|pretty|quite|really|totally|perfectly|fairly)\s+)?"
                      r"(?:" + "|".join(str(w) for w in _WORDS["verdicts"]) + r"))"
                      r"\s*(?:[,.!;:]|$|(?:to|for|by|with) me\b)", re.I)

_ACK = (r"(?:understand|hear you|hear that|get it|get that|see that|appreciate that|appreciate it|know|sorry|"
        r"apologi[sz]e|makes? (?:total |perfect |complete )?sense)")
_REFUSAL = re.compile(
    r"\b(can(?:'|no)?t|cannot|won'?t|will not|unable|not able|no room|nothing|not possible|isn'?t possible|"
    r"not negotiable|non-negotiable|fixed|stays?|remains?|final|policy|have to|has to|not going to|"
    r"is the price|is what it is|(?:our|the|my) price is (?:our|the|my) price|no,|"
    r"(?:not|isn'?t|aren'?t) (?:something (?:that )?(?:i|we)\b|in a position)|"
    r"that doesn'?t work|that won'?t work|"
    r"will only|only (?:consider|do|accept)|not willing|not my|(?:we|i) (?:don'?t|do not|never) (?:match|do|offer|"
    r"give|discount|negotiate|change|budge|move)|stands|appl(?:y|ies) to (?:everyone|everybody|all)|"
    r"same for (?:everyone|everybody|all|every|each)|for (?:everyone|everybody|all (?:our |the )?customers)|"
    r"hands? (?:are|is|'re|r) tied|set centrally|gone for good|"
    r"(?:the|our) (?:new )?(?:price|rate) is (?:now )?[$£€]?\d+|"  # "I understand, but the price is $25"
    r"(?:everyone|everybody|all (?:our |the )?customers)(?:'s| is| are|'re)? "
    r"(?:paying|pays|pay|on)\b)\b",
    re.I,
)
# "I get that you're upset, but you should have read the email": the "but" blames them
_BLAME = re.compile(r"\b(?:you|u) (?:should|shoulda|could|ought to)(?:'ve| have| of)? (?:\w+ )?"
                    r"(?:read|known|checked|looked|signed|asked|noticed|thought)|"
                    r"\byour (?:own )?(?:fault|problem|lookout)|\bwaste of (?:\w+ )?(?:our|my|everyone'?s) time|"
                    r"\bnot my (?:problem|concern)", re.I)
_DISMISSIVE = re.compile(_ACK + r"\w*(?:\s+[\w']+){0,6}?[,.]?\s*(but|however|though|still|unfortunately)\b", re.I)
# an "understand" / "see" that is not acknowledgement: negated, or asked for ("help me understand")
_NOT_ACK_BEFORE = re.compile(
    r"(?:n'?t|\bnot|\bnever|\bno one|\bnobody|\bif|\bso|\bmake sure|\bto|\bhelp me|\btrying to|\bwant to|\bneed to|"
    r"\b(?:have|did|am)|\bdo(?=\s*$)|\bthe way|^\W*as|\bfrom what|"
    r"\blike to|\bkeen to|\blet me|\bdo you|\bcan you|\bcould you|\bwhat)\s+(?:\w+\s+)?(?:i\s+)?$",
    re.I,
)
_NOT_ACK_AFTER = re.compile(r"^\s*(?:(?:that\s+)?you(?:'re| are)?\s+(?:want|asking|need|would like|'d like|"
                            r"looking for|after)|correctly|right\b|what you(?:'re| are) (?:asking|saying))", re.I)
# a "sorry" that apologises for a typo or asks "pardon?", not for the customer's trouble
_SORRY_NOT_EMPATHY = re.compile(
    # no "you" between the apology and the slip: not the customer's trouble
    r"\b(?:sorry|sry|soz)\s*\?|\b(?:sorry|sry|soz|apologies)\b(?:(?!\byou)[^?]){0,60}?"
    r"\b(meant|mean to(?! (?:be|sound|come|upset|offend|hurt|annoy|rush|pressure|push|snap))|"  # "to be short": regret
    r"typo|misspell\w*|mistyp\w*|misread|"
    r"misclick\w*|click\w*|button|pressed|hit (?:the|enter|send)|too (?:early|soon)|submitted|sent (?:that|it) too|"
    r"autocorrect|keyboard|glitch\w*|emoticons?|emojis?|spelling|"
    r"wrong (?:number|key|button|figure|chat|window|tab|thread|conversation|person|customer|message|file|link)|"
    r"accidentally (?:sent|hit|pressed|clicked|submitted|typed)|i was mistaken|i misunderstood|i misspoke|"
    r"(?:not|n't|didn'?t|don'?t) (?:understand|follow|catch|get) (?:you|that|what|it|the)?|what do you mean|"
    r"come again|(?:say|repeat|explain) (?:that|it)? ?again|can you (?:explain|repeat|rephrase)|"
    # a slip of the speaker's own in the chat: "sorry, I didn't see your offer", "sorry, I just realised..."
    r"(?:didn'?t|did not) (?:see|notice|read)|missed your|headset|microphone|mic|connection|signal|wifi|"
    r"internet|page|screen|browser|laptop|cut out|dropped|froze|frozen|refreshed|lagg?ing|(?:just )?reali[sz]ed|"
    r"i thought (?:that )?i|got confused|"
    r"(?:was|am|'m) confused|forgot (?:about (?:that|it)|to (?:mention|say|add|ask|answer|reply))|i got it wrong)\b",
    re.I,
)


_SORRY = re.compile(r"\b(?:sorry|apologies|sry|soz)\b", re.I)
_SORRY_REFUSAL = re.compile(
    r"^[\s,.!]*(?:\w+[\s,.!]+)?(?:but\b|however\b|i(?:'m| am) afraid\b|no\b|nope\b|"
    r"(?:[\w']+\s+){0,3}?(?:i|we)\s+(?:really\s+|just\s+|simply\s+)?(?:can'?t|cannot|can not|won'?t|will not|"
    r"couldn'?t|could not|(?:am|'m|are|'re) (?:not able|unable|not going)|don'?t|do not|will only|only|need|want)\b|"
    r"(?:that|this|it)(?:'s| is)? (?:won'?t|doesn'?t|can'?t|will not|does not|cannot|not going to|isn'?t going to|"
    r"is not going to) (?:work|do|happen)|(?:that|this|it)(?:'s| is) not (?:possible|going to work|an option))",
    re.I,
)
# "no" as an answer ("no, sorry", "no. sorry"), not as a determiner ("no small thing", "no problem")
_REFUSAL_BEFORE = re.compile(r"(?:\b(?:price|rate|renewal|it)(?:'s| is) (?:now )?[$£€]?\d[\d.,]*(?: now)?\W*$|"
                             r"(?<!oh )(?<!oh, )\bno\b(?=\s*[,.!;]|\s*$|\s+(?:sorry|i|we|way|can|that|it)\b)|"
                             r"not possible|can'?t|cannot|won'?t|not going to|locked|fixed|"
                             r"\b(?:have|has|need|needs|got|must)\s+(?:to\s+)?(?:keep|stay|stick|hold|remain)\b|"
                             r"final|isn'?t negotiable|not negotiable|set centrally|gone for good|"
                             r"^\W*(?:(?:it'?s|that'?s|its|thats|still)\s+)+[$£€]?\d[\d.,]*\W*$|"  # "Still $25, sorry."
                             # "No discount, sorry.", "we're not dropping below 46, sorry"
                             r"^\W*no\s+(?!problem|worries|worry|need|rush|offence|offense)[a-z]+\W*$|"
                             r"\b(?:are|'re|am|'m|is|'s)\s+not\s+(?:dropping|going|moving|budging|changing|"
                             r"lowering|matching|discounting|negotiating|offering)\b"
                             r")[^.!?]*$", re.I)  # "oh no, sorry!" is sympathy


# the non-apology: regret that they feel it, not for what happened to them
_NON_APOLOGY = re.compile(r"\bsorry (?:if |that )?you (?:feel|see it|think|take it) (?:that way|like that|so)\b|"
                          r"\bsorry if you(?:'re| are| were| feel| felt)? (?:upset|offended|unhappy|annoyed)\b", re.I)


def dismissive(sent: Span) -> bool:
    """"I understand, but..." acknowledges nothing: it is a refusal dressed as empathy."""
    if _NON_APOLOGY.search(sent.text):
        return True
    m = _DISMISSIVE.search(sent.text)
    if m and (_REFUSAL.search(sent.text[m.end():]) or _BLAME.search(sent.text[m.end():]) or
              re.search(r"\b(?:i|we) (?:really |just |still |also )?(?:need|want|do not need|don'?t need)\b",
                        sent.text[m.end():], re.I)):
        return True
    for sorry in _SORRY.finditer(sent.text):
        if _SORRY_REFUSAL.match(sent.text[sorry.end(): sorry.end() + 60]):
            return True
        refusal = _REFUSAL.search(sent.text, sorry.end())  # "Sorry Noor, there's no room to move on it."
        if refusal and not re.search(r"\b(?:you|your|u|ur)\b", sent.text[sorry.end(): refusal.start()], re.I) \
                and refusal.start() - sorry.end() < 60:
            return True
        if _REFUSAL_BEFORE.search(sent.text[: sorry.start()]):
            return True
        words = [t for t in sent if not t.is_punct and not is_symbol(t)]
        if len(words) <= 3 and sent.start > 0:  # "Oh, that's not possible. Sorry."
            previous = sent.doc[: sent.start]
            if _REFUSAL.search(previous.text[-80:]):
                return True
    return False


_BUT_NEXT = re.compile(r"^\W*(?:but|however|unfortunately|still|that said)\b", re.I)
# "The rate stays as quoted though.": the "but" said at the end
_THOUGH_END = re.compile(r"\b(?:though|tho)\W*$", re.I)
# "I hear you." / "I get you.": the bare formula with its object, as bare as "I understand."
_BARE_ACK_YOU = re.compile(r"^\W*(?:(?:ok|okay|yeah|yes|right|sure|look|hmm)\W+)?(?:i|we)\s+"
                           r"(?:do\s+|totally\s+|really\s+)?(?:hear|get|understand|see)\s+(?:you|ya|u)\W*$", re.I)
_FIRST_PERSON = {"i", "me", "my", "we", "us", "our", "'m", "im", "myself", "ourselves"}


def brushed_aside(sent: Span, following: Span) -> bool:
    """"I understand. But we can't..." is the dismissive "I understand, but" split over two sentences.
    Only a bare formula counts: "I understand this is frustrating. But..." still acknowledges something."""
    words = [t for t in sent if not t.is_punct and not is_symbol(t)]
    if len(words) > 5 or not _BARE_ACK_YOU.match(sent.text) and \
            any(t.lemma_ in CUES - {"hear", "sorry"} or word(t) in {"you", "your", "u"} for t in words):
        return False
    if not _BUT_NEXT.match(following.text) and not _THOUGH_END.search(following.text):
        # "I'm sorry. We can't go lower than $25.": a bare apology that only announces a no
        return any(t.lemma_ == "sorry" for t in words) and bool(_SORRY_REFUSAL.match(following.text)) and \
            bool(_REFUSAL.search(following.text)) and not any(t.lemma_ in CUES for t in following)
    return bool(_REFUSAL.search(following.text) or
                re.search(r"\b(?:i|we) (?:really |just |still |also )?(?:need|want)\b", following.text, re.I))


# the speaker's own need or circumstances, stated right after a bare "sorry" / "oh no"
_OWN_NEED_NEXT = re.compile(
    r"^\W*(?:(?:oh|well|so|and|ok|okay|yeah|hmm|honestly)\W+)?(?:i|we)(?:'m|'re| am| are)?\s+"
    r"(?:really\s+|also\s+|too\s+|still\s+|just\s+|actually\s+|personally\s+)?"
    r"(?:need|want|have to|would|'d|was hoping|were hoping|am hoping|must|require|will need|'ll need)\b", re.I)
_DISMAY = {"sorry", "apologise", "apologize", "apology", "apologies", "no", "yikes", "ouch", "ugh"}


def turns_to_self(sent: Span, following: Span) -> bool:
    """"Oh no! I need water the most too." and "I'm sorry. I would really like all the food.": a bare
    apology or groan that leads into the speaker's own need is dismay at a clash or a softener for a
    request, not a reaction to the other side's situation."""
    words = [t for t in sent if not t.is_punct and not is_symbol(t)]
    if len(words) > 4 or not any(word(t) in _DISMAY or t.lemma_ in _DISMAY for t in words) or \
            any(word(t) in {"you", "your", "u", "ur"} for t in words):
        return False
    # "I really need you to commit" is still the speaker's need: a "you" right after need/want/like is its object
    def object_of_need(t: Token) -> bool:
        return t.i > following.start and t.nbor(-1).lemma_ in {"need", "want", "like"}

    return bool(_OWN_NEED_NEXT.match(following.text)) and \
        not any(word(t) in {"you", "u"} and not object_of_need(t) or t.lemma_ in CUES for t in following)


def own_feelings(sent: Span) -> bool:
    """Every feeling word in the sentence is the speaker's own ("I'm worried we'd run out") and the
    sentence never turns to the other side: that is self-disclosure, not empathy."""
    words = {word(t) for t in sent}
    if words & {"you", "your", "yours", "u", "ur"} or words & {"sorry", "apologise", "apologize", "apologies"}:
        return False
    # "I hear the new price has been a problem", "I can imagine": acknowledging is turned to them, whoever says it
    cues = [t for t in sent if t.lemma_ in CUES and t.lemma_ not in WITH_THEM]
    return bool(cues) and all(any(word(t) in _FIRST_PERSON for t in sent.doc[max(sent.start, c.i - 4): c.i])
                              for c in cues)


# "Sorry, I'm starving", "sry im half asleep lol": an apology that leads straight into a clause about the speaker
_SORRY_THEN_SELF = re.compile(r"\b(?:sorry|sry|soz|apologies)\b[\s,.!;:-]*(?:(?:but|just|and)\s+)?"
                              r"(?:i|im|i'm|i’m|ive|i've|i’ve)\b", re.I)
# what turns such a clause back to the other side: acknowledging, feeling with them, "same here", "too"
_BACK_TO_THEM = {"you", "your", "yours", "u", "ur", "ya", "too", "same", "also", "aware", "know", "realise",
                 "realize", "understand", "get", "see", "hear", "imagine", "appreciate", "feel", "sympathise",
                 "sympathize", "wish", "hate"}


_EMPHATIC = {"really", "truly", "genuinely", "honestly", "so", "very", "am", "'m", "m", "do", "mean", "it", "is", "be"}


def sorry_for_self(sent: Span) -> bool:
    """"Sorry, I'm starving." apologises for the speaker's own state, an aside that acknowledges nothing of
    the other side; "Sorry, I know that's a lot" and "Sorry, I'd be furious too" still turn to them."""
    m = _SORRY_THEN_SELF.search(sent.text)
    if m is None:
        return False
    rest = [t for t in sent if t.idx >= sent.start_char + m.end() and not t.is_punct]
    if all(word(t) in _EMPHATIC for t in rest):
        return False  # "I'm sorry, I really am." says the apology again
    return not any(word(t) in _BACK_TO_THEM or t.lemma_ in _BACK_TO_THEM or t.lemma_ in CUES for t in rest)


def look_alike(sent: Span, span: Span | None = None) -> bool:
    """Look-alikes of empathy: a typo apology, "sorry?", an apology for the speaker's own state, a negated
    or requested "understand"."""
    if sorry_for_self(sent):
        return True
    if _SORRY_NOT_EMPATHY.search(sent.doc.text[sent.start_char: sent.end_char + 50]) and \
            not re.search(r"\bsorry to hear\b", sent.text, re.I):  # "sorry to hear ..." is about them, whatever follows
        return True
    if _OWN_VERDICT.search(sent.text if span is None else sent.doc.text[span.start_char: sent.end_char]):
        return True
    if _EXCUSE_ME.match(sent.text) and not any(t.lemma_ in (CUES | SITUATION) - _APOLOGY_WORDS for t in sent):
        return True  # "Sorry, what?", "I'm sorry, can we come back to the price in a minute?"
    if _NOT_SORRY.search(sent.text):
        return True  # "I'm not going to apologise for a price below the market"
    if span is None:
        return bool(re.search(r"(?:n'?t|\bnot|\bnever)\s+(?:\w+\s+)?(?:understand|get it|see why)\b", sent.text, re.I))
    if any(t.lemma_ == "sense" for t in span):  # "does that make sense?" checks, "if that makes sense" hedges
        before = sent.doc.text[sent.start_char: span.start_char]
        return bool(_SENSE_NOT_ACK.search(before))
    if any(t.lemma_ in {"understand", "see", "get", "know", "hear", "imagine"} for t in span):
        before = sent.doc.text[sent.start_char: span.start_char]
        after = sent.doc.text[span.end_char: sent.end_char]
        rest = sent.doc[span.end: sent.end]
        if _INFORMED.match(after) and not any(t.lemma_ in CUES | _FEELING_WORDS for t in rest) and \
                not names_situation(rest):
            return True  # "I understand you're reviewing suppliers": I gather, not I feel for you
        return bool(_NOT_ACK_BEFORE.search(before) or _NOT_ACK_AFTER.search(after))
    return False


# "sorry" as "excuse me": an apology that only opens a question of the speaker's ("sorry, what?")
_EXCUSE_ME = re.compile(r"^\W*(?:(?:oh|um+|er+|hi|ok|okay)\W+)?(?:i'?m |i am |im )?(?:so |very )?"
                        r"(?:sorry|sry|soz|apologies)\W+(?:(?:but|just|quick question)\W+)?"
                        r"(?:what|can|could|would|will|do|did|may|who|which|where|when|is|are)\b[^.!]*\?\W*$", re.I)
_APOLOGY_WORDS = {"sorry", "apologise", "apologize", "apology", "apologies"}
# an apology refused: "I'm not going to apologise for ...", "I won't apologise", "no need for me to say sorry"
_NOT_SORRY = re.compile(r"(?:n'?t|\bnot|\bnever)\s+(?:\w+\s+){0,2}?(?:apologi[sz]e|say sorry|be sorry)\b", re.I)
# "I understand / I hear (that) you ..." followed by a fact, not a feeling
_INFORMED = re.compile(r"^\s*(?:that\s+)?(?:you|you're|you've|you'd|your)\b", re.I)
_FEELING_WORDS = {"happy", "unhappy", "pleased", "feel", "like", "mad", "let", "surprised", "caught", "cross", "fed"}
# the speaker's own verdict on a proposal ("that doesn't sound fair to me"), not a feeling of theirs
_OWN_VERDICT = re.compile(r"\b(?:unfair|fair|good|right|great|okay|ok|ideal)\s+(?:to|for)\s+(?:me|us|myself)\b", re.I)
# "make sense" that checks or hedges the rep's own words: "does that make sense?", "I hope that makes sense"
_SENSE_NOT_ACK = re.compile(r"(?:\b(?:do|does|did|would|will|could|should|if|not|never|hope|hopefully|think|guess)|"
                            r"n't)\s+(?:(?:that|this|it|all|really|quite)\s+){0,2}$", re.I)


def names_situation(span: Span) -> bool:
    """Words that name a circumstance weighing on the other side: the people they look after, health,
    hardship, pressure of time or work ("... you need the water for your kids", "... you're swamped")."""
    return any(t.lemma_ in SITUATION or word(t) in SITUATION for t in span)


def acknowledges_situation(sent: Span) -> bool:
    """"I know your kids need it", "I can see you're swamped": an acknowledging verb, the other side,
    and a circumstance of theirs (DESIGN.md: empathy "acknowledges feelings/situation")."""
    for t in sent:
        said_by_me = any(word(b) in _FIRST_PERSON for b in sent.doc[max(sent.start, t.i - 3): t.i])
        if t.lemma_ not in ACKNOWLEDGE or not said_by_me:
            continue
        rest = sent.doc[t.i + 1: sent.end]
        if len(rest) and word(rest[0]) == "that":
            rest = rest[1:]
        if len(rest) and word(rest[0]) in _SECOND_PERSON and names_situation(rest):
            return True  # "I know | your kids need it": the acknowledging verb, then them and their situation
    return False


_OWN_PLAN = {"want", "need", "plan", "like", "hope", "wish", "intend", "prefer"}


def about_self(sent: Span) -> bool:
    """"I know my sister and I want to make s'mores": the speaker's own wants or plans, with no word for the
    other side; however sure the classifier is, that acknowledges nothing of theirs."""
    words = [word(t) for t in sent]
    if any(w in _SECOND_PERSON for w in words):
        return False
    return any(t.lemma_ in _OWN_PLAN and any(word(b) in _FIRST_PERSON for b in sent.doc[max(sent.start, t.i - 3): t.i])
               for t in sent)


def verdict(sent: Span) -> bool:
    """The sentence opens with a verdict on the deal ("sounds reasonable", "that works for me, ...") and does not turn
    to the other side after it ("that's fine, and I'm glad you said it" does): agreement, which is not empathy
    however warm (docs/evaluator.md, "Taxonomy decisions")."""
    found = _VERDICT.match(sent.text)
    return found is not None and not any(word(t) in _SECOND_PERSON for t in sent
                                         if t.idx - sent.start_char >= found.end())
