"""Question shapes: whether a sentence asks, and what kind of question it is, from its words alone.

Open questions invite an explanation ("what would make this work for you?", "tell me about..."),
closed ones a yes, a no or a single fact ("is it the price?", "how many seats?"); a proposal can
be dressed as a question ("how about $23?"), a statement can be said as one ("so it's the delivery
side?"), and some questions only look like questions: a greeting ("how are you?"), a rhetorical
jab ("do you really think..."), a reported question ('they said "why pay more?"').  People type
as they talk, so the rules skip fillers and false starts ("so, um, w-what...") and read chat
spellings ("wat wud", "r u").  The detector (parley/moves.py) calls `question_shape` per sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Callable, FrozenSet, List, Sequence, Set, Tuple, Union

import yaml
from spacy.tokens import Doc, Span, Token

QUESTIONS_FILE = Path(__file__).resolve().parent / "data" / "moves" / "questions.yml"
_DATA = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))


def _words(name: str) -> FrozenSet[str]:
    return frozenset(str(w) for w in _DATA["words"][name])


_FILLERS = _words("fillers")
# a filler run like "you know" or "I mean" is skipped only as a whole (the words alone are not fillers)
_FILLER_PAIRS = {tuple(pair) for pair in _DATA["words"]["filler_pairs"]}
_WH = {"what", "how", "why", "where", "when", "who", "whom", "whose", "which", "whats", "hows", "whys"}
_AUX = {"be", "do", "can", "could", "would", "will", "shall", "should", "have", "may", "might", "must", "need"}
AUX_FORMS = {"is", "are", "am", "was", "were", "do", "does", "did", "can", "could", "would", "will", "shall",
              "should", "have", "has", "had", "may", "might", "must", "ca", "wo", "sha", "isnt", "arent", "dont",
              "doesnt", "didnt", "cant", "wont", "wouldnt", "couldnt", "shouldnt", "havent", "hasnt", "aint"}
_RELATIVE = {"which", "who", "whom", "whose"}  # mid-sentence without "?", these open a relative clause
_PREP = {"in", "to", "for", "on", "from", "at", "by", "with", "of", "about", "into", "under", "between", "since"}
_ASK_VERBS = _words("ask_verbs")
_REQUEST_AUX = {"can", "could", "would", "will", "may", "might", "ca", "wo"}
_SUBJECTS = {"you", "we", "i", "it", "they", "he", "she", "that", "this", "there", "your", "the", "these", "those",
             "anyone", "anybody", "anything", "everything", "everyone", "something", "someone", "people", "u"}
_INVERTED_SUBJECTS = {"you", "u", "your", "we", "our", "they", "their", "it", "that", "this", "the", "he", "she",
                      "his", "her"}
_FACT_HOW = _words("fact_how")
# "how important / confident / ready ...": the answer is a judgement the other side explains
_WEIGH_HOW = _words("weigh_how")
_FACT_NOUNS = _words("fact_nouns")
_DATE_NOUNS = _words("date_nouns")
_WEIGH_MUCH_VERBS = _words("weigh_much_verbs")
_WEIGH_MUCH_NOUNS = _words("weigh_much_nouns")
_OPEN_ALTERNATIVES = _words("open_alternatives")
_OPEN_NOUNS = _words("open_nouns")
_SMALL_TALK_TOPICS = _words("small_talk_topics")
# the words of any negotiation (parley/data/question_words.yml `deal`, which the persona's reading uses too)
_DEAL_WORDS = frozenset(str(yaml.safe_load((QUESTIONS_FILE.parent.parent / "question_words.yml").read_text(
    encoding="utf-8"))["deal"]).lower().split())
_EMBED_OPEN = re.compile(
    r"\b(i|we)(?: a?m|'m| are|'re| would|'d| really| just| was| were|'ve| have| do| also| still)*\s*(?:be\s+)?"
    r"(wonder(?:ing)?|curious|interested|keen|eager|(?:like|love|want|need|trying|hoping) to (?:know|hear|"
    r"understand|learn|ask|find out|get a sense)|wanna (?:know|hear))\b"
    r"(?:[\w\s,'-]{0,40}?)\b(what|how|why|where|who)\b"
    r"|\b(i|we)(?: a?m|'m| are|'re| would|'d| really| just| also)*\s*(?:be\s+)?"
    r"((?:like|love|want|keen|eager|interested|happy) (?:to|in) (?:know|hear|learn|understand|hearing|knowing|"
    r"learning|understanding)(?: a (?:bit|little))? (?:more|about)|curious about)\b"
    r"|(?:^|\b(?:so|and|just|also|now|okay|ok|well|but)\b[,\s]+)(wondering)\s+(?:[\w\s,'-]{0,40}?)"
    r"\b(what|how|why|where|who)\b",  # "so, wondering what that's about": the "I'm" dropped, as people do
    re.I,
)
_IMPERATIVE_OPEN = re.compile(
    r"^(?:(?:so|and|but|okay|ok|well|now|then|please|pls|kindly|just|also|yeah|right|alright|first|actually)\b[,\s]*)*"
    r"(?:can you |could you |would you |will you |do you mind |would you mind |maybe |perhaps )?"
    r"(tell me|tell us|say me|say us|explain me|talk me|talk to me|talk us|walk me|walk us|describe|explain|share|"
    r"say more|elaborate|"
    r"expand on|help me understand|help me see|help me get|help us understand|give me (?:a|an|some) "
    r"(?:sense|idea|picture|feel|flavour|flavor|overview)|paint (?:me )?a picture|fill me in|catch me up|"
    r"run me through|take me through|let me know (?:what|how|why|where|more))\b"
    r"(?!,?\s*(?:if|whether)\b)",  # "tell me if it hurts" asks for a yes or a no
    re.I,
)
_RHETORICAL = re.compile("|".join(_DATA["patterns"]["rhetorical"]), re.I)


def _patterns(name: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in _DATA["patterns"][name]), re.I)


_INDIRECT_YES_NO = _patterns("indirect_yes_no")
_IMPERATIVE_CLOSED = _patterns("imperative_closed")
_CHECKS = _patterns("checks")
_INDIRECT_REQUEST = re.compile(r"\b(?:tell|let|know|remember|recall)\b")  # "could you tell me if ...": asks without "?"
_ANY_CLOSED = _words("any_closed")
_ANY_ELSE = re.compile(r"\bany ?(?:thing|one|body)? (?:other|else)\b|\bany other\b")
_HELPS = re.compile(r"\b(?:i|we) (?:can|could) (?:help|do)\b")
_HELLO = r"(?:hi|hello|hey|hiya|morning|good (?:morning|afternoon|evening))"
_PHATIC = re.compile(
    r"^" + _HELLO + r"?[\s,!.]*(?:[a-z]+[\s,!.]+)?"
    r"(how (?:are|r) (?:you|u|things)(?: doing| keeping| today| this (?:morning|afternoon|evening)| going)*|"
    r"how(?:'s| is| has|s) (?:it going|things|your (?:day|week|morning|afternoon)(?: going| been)?|everything)|"
    r"how have you been|how(?:'s| is) life|how do you do|you (?:ok|okay|alright|well)|are you well|"
    r"hope you(?:'re| are) (?:well|good|keeping well))\s*(?:today|this morning|this afternoon|so far|"
    r"on your (?:side|end)|at your end|over there|with you)?[?!.\s]*$",
    re.I,
)
_PROPOSAL_NEXT = _words("proposal_next")
_CHECK_TAIL = re.compile(
    r"(?:,|\s)\s*(right|correct|yeah|yes|no|ok|okay|yep|eh|true|isn't it|aren't you|don't you|didn't you|"
    r"wasn't it|doesn't it|is that right|is that correct|is that fair|am i right|yeah\?|no\?|fair|innit|do you)"
    r"[\s?!.]*$",
    re.I,
)


class Kind(str, Enum):
    """What the form of a clause says (a str, so `shape.kind == "open"` reads as before)."""

    open = "open"  # invites an explanation: "what would make this work for you?"
    closed = "closed"  # a yes, a no, a choice or one fact: "is it the price?", "how many seats?"
    proposal = "proposal"  # an offer dressed as a question: "how about $23?"
    check = "check"  # asks the customer to confirm: "does that work for you?", "..., right?"
    rhetorical = "rhetorical"  # a jab: "do you really think ...?", "is a 15% cut really my problem?"
    phatic = "phatic"  # small talk: "how are you?"
    question = "question"  # a statement said as a question: closed, or checking a summary


@dataclass(frozen=True)
class Shape:
    """What the form of a clause says: a question (open / closed), a proposal, a check, a jab."""

    kind: Kind
    start: int  # token index (in the doc) where the question begins


_WH_TYPOS = {"wat": "what", "wht": "what", "waht": "what", "whta": "what", "hw": "how", "hwo": "how", "y": "why",
             "wats": "what", "whats": "what"}
# chat spellings of auxiliaries: "wat wud make this ok", "r u open to a 2 yr term"
_AUX_TYPOS = {"wud": "would", "wld": "would", "cud": "could", "cld": "could", "shud": "should", "r": "are",
              "bout": "about"}


def word(token: Token) -> str:
    word = token.lower_.strip("-") or token.lower_
    if word in _WH_TYPOS and _first_word(token):  # "wat is it about relaydesk", "y not", "so wat does finance need"
        return _WH_TYPOS[word]
    if word in _AUX_TYPOS:
        return _AUX_TYPOS[word]
    # "what's" / "how'd" left whole when a hyphen split them off ("what's-how have you ...")
    return _CLITIC.sub("", word) if _CLITIC.search(word) and _CLITIC.sub("", word) in _WH else word


_CLITIC = re.compile(r"(?:'|’)(?:s|d|re|ll|ve)$")


def _first_word(token: Token) -> bool:
    """Token opens its sentence, after fillers and punctuation only ("so, wat ...", "ok so y not")."""
    doc = token.doc
    return all(doc[j].is_punct or doc[j].lower_ in _FILLERS for j in range(token.sent.start, token.i))


def _clause_starts(sent: Span) -> List[int]:
    """Token indices (in the doc) where a clause of the sentence may begin."""
    starts = [sent.start]
    for token in sent[:-1]:
        if token.text in {"-", "—", "–"} and token.i > 0 and not token.doc[token.i - 1].whitespace_ and \
                not (token.i + 1 < sent.end and word(token.doc[token.i + 1]) in _WH):
            continue  # a hyphen inside a word ("mid-quarter") is no clause break; "what's-how do you" restarts
        if token.is_punct and token.text not in {"'", '"', "?", "(", ")"} or token.text in {"--", "-", "—", "–"} \
                or len(token.text) > 1 and token.text.endswith("-") \
                or is_symbol(token) and not token.is_punct:  # "what- what ideas": a restart; an emoji ends a clause
            starts.append(token.i + 1)
    return starts


def _skip_fillers(doc: Doc, i: int, end: int) -> int:
    while i < end - 1:
        w = word(doc[i])
        if doc[i].is_punct or doc[i].is_space or not w:
            i += 1
        elif (w, word(doc[i + 1])) in _FILLER_PAIRS and i + 2 < end:
            i += 2
        elif w in {"hi", "hello", "hey", "hiya"} and i + 2 < end and word(doc[i + 2]) in _WH and \
                word(doc[i + 1]) not in _WH | AUX_FORMS | _SUBJECTS:
            i += 2  # "hi jordan what would it take to keep you": a greeting and a name, then the question
        elif w in _FILLERS:
            i += 1
        elif doc[i].is_title and i + 1 < end and doc[i + 1].text == "," and doc[i].lemma_ not in _WH | _AUX:
            i += 2  # a name said first: "Barbara, what ..."
        elif _stutter(doc, i, end):
            i += 2  # a false start typed as said: "w-where", "Wh-What", "so-so"
        else:
            break
    return i


def _stutter(doc: Doc, i: int, end: int) -> bool:
    """"w-where", "how's-how's": a word cut off and restarted, joined by a hyphen without spaces."""
    if i + 2 >= end or doc[i + 1].text != "-" or doc[i].whitespace_ or doc[i + 1].whitespace_:
        return False
    cut, restart = doc[i].lower_, doc[i + 2].lower_
    return restart.startswith(cut) or cut.startswith(restart) and len(restart) > 1


class _Statement:
    """A rule's verdict that the clause states, not asks ("what I can do is ...")."""


STATEMENT = _Statement()
Verdict = Union[Shape, _Statement, None]  # a shape, a statement, or no opinion (the next rule decides)


@dataclass(frozen=True)
class Sentence:
    """A sentence as the sentence rules read it: the span, its text lower-cased with single spaces, and whether it
    has a "?"."""

    sent: Span
    lowered: str
    asks: bool

    @property
    def words(self) -> List[Token]:
        return [t for t in self.sent if not t.is_punct and not t.is_space and not is_symbol(t)]

    def shape(self, kind: Kind, start: int | None = None) -> Shape:
        return Shape(kind, self.sent.start if start is None else start)


SentenceRule = Callable[[Sentence], Verdict]


def small_talk(s: Sentence) -> Verdict:
    """"how are you?", "hi lena, good to hear from you, how's your week?": a greeting, not a question."""
    if _PHATIC.match(s.lowered):
        return s.shape(Kind.phatic)
    tail = s.lowered.rsplit(",", 1)[-1]
    if "," in s.lowered and s.asks and _PHATIC.match(tail.strip()) and re.match(r"\W*" + _HELLO + r"\b", s.lowered):
        return s.shape(Kind.phatic, _char_to_token(s.sent, len(s.lowered) - len(tail.lstrip())))
    return None


def small_talk_question(s: Sentence) -> Verdict:
    """"Did you catch the match last night?", "is it sunny where you are?": a yes/no question to the customer about
    the weather or a game, with no word of the deal and no number in it, is small talk (`other`), not a closed question
    that explores their situation (no question: the classifier and the greeting phrases read the rest)."""
    if not s.asks or not s.words:
        return None
    words = [word(t) for t in s.words]
    at = next((n for n, w in enumerate(words) if w not in _FILLERS), len(words))
    # "did you catch ...", "is it sunny ...", not "did the snow ..."
    person = words[at + 1: at + 2] in (["you"], ["u"], ["it"])
    if words[at: at + 1] and words[at] in AUX_FORMS and person and set(words) & _SMALL_TALK_TOPICS and \
            not set(words) & _DEAL_WORDS and not any(t.like_num for t in s.words):
        return STATEMENT
    return None


def rhetorical_jab(s: Sentence) -> Verdict:
    """A jab dressed as a question (`patterns.rhetorical` in questions.yml): pressure, not a question."""
    return s.shape(Kind.rhetorical) if s.asks and _RHETORICAL.search(s.lowered) else None


def understanding_check(s: Sentence) -> Verdict:
    """"Sound alright?", "deal?", "have I got that right?", "fair summary?": a few words that ask the customer to
    confirm what was just said or put up (`patterns.checks`): a check, not a question that explores."""
    return s.shape(Kind.check) if s.asks and _CHECKS.search(s.lowered) else None


def indirect_question(s: Sentence) -> Verdict:
    """"I wonder whether there is anything else ...", "I was wondering if you'd consider ...", "could you tell me if
    ...", "do you know whether ...": a question put indirectly (`patterns.indirect_yes_no`; a wish to know or a
    request asks even without "?", "I wonder ..." only with one); the clause after "if" / "whether" decides: it
    invites more or hands the floor over (open), else yes or no."""
    found = _INDIRECT_YES_NO.search(s.lowered)
    if not found:
        return None
    inner = _char_to_token(s.sent, found.end())
    if not s.asks and not _INDIRECT_REQUEST.search(found.group(0)) and \
            not _asks_to_talk(s.sent.doc, inner, s.sent.end):
        return None  # "I'm wondering whether it's worth trying" muses aloud; with "?" it asks
    # "I'm wondering if you could tell me a bit about ..." hands the floor over, with or without "?"
    return s.shape(_embedded_yes_no(s.sent.doc, inner, s.sent.end), _char_to_token(s.sent, found.start()))


def _asks_to_talk(doc: Doc, i: int, end: int) -> bool:
    """The clause from token i asks the listener to talk: "you could walk me through ...", "you can tell me ..."."""
    words = [word(t) for t in doc[i:end] if not t.is_punct and not t.is_space]
    return words[:1] in (["you"], ["u"]) and len(words) > 2 and words[1] in _REQUEST_AUX | {"'d", "d", "might"} and \
        i + 2 < end and doc[i + 2].lemma_ in _ASK_VERBS


def _embedded_yes_no(doc: Doc, i: int, end: int) -> Kind:
    """The kind of a yes/no question embedded after "if" / "whether", read in statement order ("there is anything
    else ...", "you could tell me more ...", "it's the price or something else")."""
    words = [word(t) for t in doc[i:end] if not t.is_punct and not t.is_space]
    text = " ".join(words)
    if _ANY_ELSE.search(text) and not _HELPS.search(text):
        return Kind.open
    if "or" in words and set(words[len(words) - words[::-1].index("or"):][:4]) & _OPEN_ALTERNATIVES:
        return Kind.open
    if _asks_to_talk(doc, i, end):
        return Kind.open  # "I was wondering if you could walk me through ..." asks them to talk
    return Kind.closed


def _embedded_wh(doc: Doc, i: int, end: int) -> Kind:
    """The kind of a wh-question embedded in a request or a wish to know ("could you tell me how many seats you
    have?", "I'd like to know what matters most"): a figure, a date or one fact is closed, anything else open."""
    if i + 1 >= end:
        return Kind.open
    q = Clause.at(doc, i, end, True)
    verdict = decide(EMBEDDED_WH_RULES, q)
    if verdict is None and q.w0 == "when":  # "may I ask when finance confirmed it?": a date ("where ..." stays open)
        verdict = when_where_who(q)
    return Kind.closed if isinstance(verdict, Shape) and verdict.kind in {Kind.closed, Kind.question} else Kind.open


def _wh_after(span: Span, offset: int, within: int = 3) -> int | None:
    """The token index of a wh-word that the words before a character offset of the span's normalised text embed:
    within a few words, no punctuation between ("tell me how many ..."; "so tell me, how often ...?" asks the
    second question on its own)."""
    at = _char_to_token(span, offset)
    for j in range(at, min(span.end, at + within)):
        if span.doc[j].is_punct:
            return None
        if word(span.doc[j]) in _WH:
            return j
    return None


def embedded_question(s: Sentence) -> Verdict:
    """"I'm curious what made you look elsewhere", "I'd love to hear more about ...": open, with or without "?"
    ("I wonder if ..." asks for a yes or a no: the clause rules decide)."""
    embedded = _EMBED_OPEN.search(s.lowered)
    if embedded and not (embedded.group(2) and re.match(r"\s*(?:if|whether)\b", s.lowered[embedded.end(2):])):
        wh = next((n for n in (3, 7) if embedded.group(n)), None)
        kind = _embedded_wh(s.sent.doc, _char_to_token(s.sent, embedded.start(wh)), s.sent.end) if wh else Kind.open
        return s.shape(kind, _char_to_token(s.sent, embedded.start()))
    return None


_FEEL_ABOUT = re.compile(r"\bhow (?:are|do|did|would|r) (?:you|u) (?:feel|feeling)\b")


def scale_question(s: Sentence) -> Verdict:
    """"on a scale of 1 to 10, what number ...?" asks for one number ("..., how confident are you?" weighs)."""
    if s.asks and re.search(r"\bscale\b|\b(?:1|one|0|zero) (?:to|and|-) (?:10|ten|5|five|100)\b", s.lowered) and \
            not re.search(r"\bhow (?:" + "|".join(sorted(_WEIGH_HOW)) + r")\b", s.lowered) and \
            not _FEEL_ABOUT.search(s.lowered):  # "..., how are you feeling about these goals?" asks them to explain
        return s.shape(Kind.closed)
    return None


def clause_questions(s: Sentence) -> Verdict:
    """Each clause of the sentence in turn (fillers skipped): an open clause decides at once; else a statement said
    as a question, then closed, proposal, check ("do you have a plan or?" leaves the options open)."""
    doc, end, found = s.sent.doc, s.sent.end, []
    for start in _clause_starts(s.sent):
        i = _skip_fillers(doc, start, end)
        if i >= end:
            continue
        shape = _clause_head(doc, i, end, s.asks)
        if shape:
            found.append(shape)
            if shape.kind == Kind.open:
                return shape
    if not found:
        return None
    kinds = [f.kind for f in found]
    tail = [t for t in s.sent if not t.is_punct and not t.is_space]
    if tail and word(tail[-1]) == "or" and kinds[0] in {Kind.closed, Kind.question}:
        return Shape(Kind.open, found[0].start)
    for kind in (Kind.question, Kind.closed, Kind.proposal, Kind.check):
        if kind in kinds:
            return found[kinds.index(kind)]
    return None


def _clause_head(doc: Doc, i: int, end: int, asks: bool) -> Shape | None:
    """One clause from token i: a request to talk ("tell me about ..."), "tell me if ..." (yes or no), an elliptical
    "anything else?", or the clause rules."""
    clause = " ".join(doc[i:end].text.lower().split())
    request = _IMPERATIVE_OPEN.match(clause)
    if request:
        wh = _wh_after(doc[i:end], request.end())  # "can you tell me how many seats ...?" asks for a figure
        return Shape(_embedded_wh(doc, wh, end) if wh is not None else Kind.open, i)
    if _IMPERATIVE_CLOSED.match(clause):
        return Shape(Kind.closed, i)  # "kindly confirm your customer ID": one fact, or a yes
    if re.match(r"(?:please )?(?:tell me|let me know) (?:if|whether)\b", clause):
        return Shape(Kind.closed, i)  # "tell me if that's a problem" asks for a yes or a no
    head = word(doc[i])
    thoughts = head == "any" and i + 1 < end and doc[i + 1].lemma_ in {"thought", "idea", "suggestion"}
    if (asks or thoughts) and head in {"any", "anything", "anyone", "anybody", "anywhere"}:
        return _any_shape(doc, i, end)
    return _clause_shape(doc, i, end, asks)


def lone_why(s: Sentence) -> Verdict:
    """"why?", "how come?" alone ask them to explain."""
    return s.shape(Kind.open) if [word(t) for t in s.words] in (["why"], ["how", "come"], ["y"]) else None


def said_as_a_question(s: Sentence) -> Verdict:
    """No question form found: with a "?", a continuer ("Yeah?") hands the turn back, "... or?" and "acting out would
    be what?" leave it open, "..., right?" checks, a few words ask for a yes or a no, and a longer statement is said
    as a question (closed, or a summary checked); a lilt the speaker talks on after is a reflection."""
    if not s.asks:
        return STATEMENT
    words, doc, end = s.words, s.sent.doc, s.sent.end
    if not words or all(word(t) in _BACKCHANNEL for t in words):
        return STATEMENT
    if len(words) <= 3 and word(words[0]).rstrip(".") in _HONORIFICS:
        return STATEMENT  # "Mr. Johnson?": calling someone, like "Hello?"
    if word(words[-1]) == "or" or word(words[-1]) in _WH and len(words) > 1:
        return s.shape(Kind.open)
    if _CHECK_TAIL.search(s.lowered):
        return s.shape(Kind.check)
    if len(words) <= 4:
        return s.shape(Kind.closed)
    if any(not t.is_punct and not t.is_space for t in doc[end:]) and "?" not in doc[end:].text:
        return STATEMENT
    return s.shape(Kind.question)


SENTENCE_RULES: Tuple[SentenceRule, ...] = (small_talk, small_talk_question, rhetorical_jab, understanding_check,
                                            indirect_question, embedded_question, scale_question, clause_questions,
                                            lone_why, said_as_a_question)


def question_shape(sent: Span) -> Shape | None:
    """The question form of a sentence, from its words alone (None: not a question): the first sentence rule with
    a verdict decides."""
    text = sent.text.strip()
    if not text:
        return None
    sentence = Sentence(sent, " ".join(text.lower().split()), "?" in text)
    for rule in SENTENCE_RULES:
        verdict = rule(sentence)
        if verdict is not None:
            return verdict if isinstance(verdict, Shape) else None
    return None


SO_CHECK = re.compile(r"^\W*(?:(?:ok|okay|right|alright|and|oh|yeah|mm|hmm)\W+)*so\b"
                       r"(?!\s+(?:can|could|would|will|shall|wat|wats|wot|wht|hw|"
                       r"do|does|did|is|are|what|how|why|when|where|who|which|if|(?:you|we|i)(?:'ll| will)|"
                       r"(?:we|i) (?:can|could|cud|cld|would|'d|might))\b)", re.I)
_BACKCHANNEL = _words("backchannel")
_HONORIFICS = _words("honorifics")


def _any_shape(doc: Doc, i: int, end: int) -> Shape:
    """"Anything else?", "any thoughts on that?": elliptical questions that invite more."""
    following = [word(t) for t in doc[i:end]]
    chance = following[1:2] == ["chance"] and not _ASK_VERBS & set(following)  # "any chance $32 gets us there?"
    if chance or {"question", "questions"} & set(following) or _ANY_CLOSED & set(following[1:3]) or \
            ({"i", "we"} & set(following) and {"help", "do"} & set(following)):
        return Shape(Kind.closed, i)
    return Shape(Kind.open, i)


def is_symbol(token: Token) -> bool:
    return not any(ch.isalnum() for ch in token.text)


def _char_to_token(sent: Span, offset: int) -> int:
    """The token of `sent` at a character offset of its whitespace-normalised lower-case text."""
    normalised = 0
    for token in sent:
        if normalised >= offset:
            return token.i
        normalised += len(token.text) + (1 if token.whitespace_ else 0)
    return sent.start


def _clause_shape(doc: Doc, i: int, end: int, asks: bool) -> Shape | None:
    """The shape of one clause of a sentence, its first word at token i (fillers skipped)."""
    if i + 1 >= end:
        return None
    return decide(CLAUSE_RULES, Clause.at(doc, i, end, asks))


def prep_wh(q: Clause) -> Verdict:
    """"in what ways ...?", "to what extent ...?" ask; without "?", only an inverted auxiliary makes it a question
    ("in what ways would it help" asks; "about how the price had gone up", "from what I've heard" report)."""
    if not (q.w0 in _PREP and q.w1 in _WH):
        return None
    if q.w2 in {"you", "u", "i", "we", "they", "he", "she"}:
        return STATEMENT  # "from what you said, is it the price?": a relative clause; the question comes after
    if q.w1 == "how" and q.w2 in _FACT_HOW:
        return q.shape(Kind.closed)  # "about how many do you use?" asks for a figure
    return q.shape(Kind.open) if q.asks or len(q.rest) > 3 and _inverted(q.doc, q.i + 2, q.end) else STATEMENT


def how_come(q: Clause) -> Verdict:
    """"how come you're unhappy" asks why."""
    return q.shape(Kind.open) if q.w0 == "how" and q.w1 == "come" else None


def wh_question(q: Clause) -> Verdict:
    """A clause opening with a wh-word: the wh-rules decide (WH_RULES)."""
    if q.w0 not in _WH:
        return None
    return wh_shape(q) or STATEMENT


def yes_no_question(q: Clause) -> Verdict:
    """An auxiliary before its subject ("do you ...?", "is it ...?", "r u ..."): the yes/no rules decide (AUX_RULES)."""
    doc, i = q.doc, q.i
    if q.w0 in AUX_FORMS and (q.w1 in _SUBJECTS or q.lemma(1) in _SUBJECTS or q.w1 == "n't" or doc[i + 1].like_num
                              or doc[i + 1].is_title) and (q.asks or _unmarked_question(doc, i, q.end)):
        return decide(AUX_RULES, q)
    return None


def we_proposal(q: Clause) -> Verdict:
    """"shall we ...?", "can I offer ...?" without a subject rule above: a proposal."""
    return q.shape(Kind.proposal) if q.w0 in AUX_FORMS and q.asks and q.w1 in {"we", "i"} else None




# -- yes/no forms (an auxiliary first) -----------------------------------------------------------
def _subject_at(q: Clause) -> int:
    return q.i + 2 if q.w1 in {"n't", "not", "nt"} else q.i + 1


def _after_subject(q: Clause) -> List[str]:
    return [word(t) for t in q.doc[_subject_at(q) + 1: q.end] if not t.is_punct]


_SOFTENERS = _words("softeners")


def _verb(q: Clause) -> str:
    """The verb after the subject, past a softener ("can you just tell me ...", "could you please explain ...")."""
    at = _subject_at(q) + 1
    while at < q.end - 1 and word(q.doc[at]) in _SOFTENERS:
        at += 1
    return q.doc[at].lemma_ if at < q.end else ""


def request_to_talk(q: Clause) -> Verdict:
    """"could you tell me more?", "would you mind explaining ...?", "would you be so kind as to explain ...?" hand
    the customer the floor; "did you tell finance?" asks whether they did: only a request (a modal) does."""
    if q.w1 not in {"you", "u"}:
        return None
    doc, subject_at, after, verb = q.doc, _subject_at(q), _after_subject(q), _verb(q)
    polite = verb == "be" and "kind" in after[1:4] and any(
        doc[j].lemma_ in _ASK_VERBS - {"say", "run", "fill", "catch"}
        for j in range(subject_at + 2, min(q.end, subject_at + 8)))
    if q.w0 in _REQUEST_AUX and (verb in _ASK_VERBS or polite or verb == "help" and after[1:2] in (["me"], ["us"])):
        return q.shape(Kind.open)
    if verb == "mind" and after[1:2] and after[1].endswith("ing") and doc[subject_at + 2].lemma_ in _ASK_VERBS:
        return q.shape(Kind.open)
    return None


def may_i_ask(q: Clause) -> Verdict:
    """"may I ask what you need?", "may I know how it affects you?": the nested clause decides ("may I ask how many
    ...?" stays closed)."""
    if q.w0 in {"can", "could", "may", "might"} and q.w1 == "i" and _verb(q) in {"ask", "know", "enquire", "inquire"}:
        subject_at = _subject_at(q)
        nested = [j for j in range(subject_at + 2, min(q.end, subject_at + 5)) if word(q.doc[j]) in _WH]
        if nested:  # "may I know what is troubling you?": the nested question decides
            return q.shape(_embedded_wh(q.doc, nested[0], q.end))
    return None


def asks_for_ideas(q: Clause) -> Verdict:
    """"do you have any thoughts on ...?", "can you think of ...?", "could you give me an example?", "have you thought
    about ...?" invite ideas, not a yes."""
    if q.w1 not in {"you", "u"}:
        return None
    subject_at, after, verb = _subject_at(q), _after_subject(q), _verb(q)
    if verb == "have" and "any" in after[:2] and \
            q.lemmas(subject_at - q.i + 2, subject_at - q.i + 5) & {"thought", "idea", "view", "sense", "feeling",
                                                                  "suggestion", "theory"}:
        return q.shape(Kind.open)
    if verb == "think" and "of" in after[1:2] and q.w0 in {"can", "could", "ca"} or \
            verb == "give" and "example" in after[:5]:
        return q.shape(Kind.open)
    lemmas_after = [q.doc[j].lemma_ for j in range(subject_at + 1, q.end)]
    if verb == "have" and {"thought", "think"} & set(lemmas_after[1:4]) and "about" in after[:6]:
        return q.shape(Kind.open)
    return None


def anything_else(q: Clause) -> Verdict:
    """"is there anything else ...?", "are there any other ...?" invite more ("anything else I can help with?" and
    "any other questions?" are courtesies answered yes or no)."""
    wider = " ".join(_after_subject(q))
    if re.search(r"\bany ?(?:thing|one|body)? (?:other|else)\b|\bany other\b", wider) and \
            not re.search(r"\b(?:i|we) (?:can|could) (?:help|do)\b", wider):
        # "do you have any other questions?" is the same courtesy as "any questions?" (`_any_shape`): a yes or a no
        return q.shape(Kind.closed if re.search(r"\bother questions?\b", wider) else Kind.open)
    return None


def or_something_else(q: Clause) -> Verdict:
    """"is it just the price, or something else?", "is that it, or is there more?": the last alternative leaves the
    answer to the customer; it invites more, like "anything else?"."""
    if "or" not in q.rest:
        return None
    k = len(q.rest) - 1 - q.rest[::-1].index("or")
    after = q.rest[k + 1:]
    return q.shape(Kind.open) if after and set(after[:4]) & _OPEN_ALTERNATIVES else None


def either_or(q: Clause) -> Verdict:
    """"would you prefer monthly or quarterly?" offers a choice: closed."""
    return q.shape(Kind.closed) if _either_or(list(q.rest)) else None


def does_that_work(q: Clause) -> Verdict:
    """"does that work for you?", "would this suit you?" check agreement."""
    return q.shape(Kind.check) if q.lemma(1) in {"that", "this", "it"} and \
        _verb(q) in {"work", "sound", "suit", "seem"} else None


def yes_no(q: Clause) -> Verdict:
    """Any other auxiliary-first question asks for a yes or a no."""
    return q.shape(Kind.closed)


AUX_RULES: Tuple[Rule, ...] = (request_to_talk, may_i_ask, asks_for_ideas, anything_else, or_something_else,
                               either_or, does_that_work, yes_no)


CLAUSE_RULES: Tuple[Rule, ...] = (prep_wh, how_come, wh_question, yes_no_question, we_proposal)


def _inverted(doc: Doc, i: int, end: int) -> bool:
    """An auxiliary before its subject within a few words of token i ("ways would it", "extent does the")."""
    for j in range(i, min(end - 1, i + 4)):
        if word(doc[j]) in AUX_FORMS:
            return word(doc[j - 1]) not in _SUBJECTS and word(doc[j + 1]) in _INVERTED_SUBJECTS | {"i", "there"}
    return False


def _opens_sentence(doc: Doc, i: int, end: int) -> bool:
    """Token i is the sentence's first word once fillers are skipped ("so, um, what ...")."""
    return i == _skip_fillers(doc, doc[i].sent.start, end)


def _unmarked_question(doc: Doc, i: int, end: int) -> bool:
    """"do you have a budget in mind" typed without "?": an auxiliary opening the sentence, then "you"
    (chat often drops the question mark; a statement never starts this way)."""
    if not _opens_sentence(doc, i, end) or i + 2 >= end:
        return False
    w0, w1, w2 = word(doc[i]), word(doc[i + 1]), word(doc[i + 2])
    if w0 in {"were", "should", "had"} and any(t.text == "," for t in doc[i:end]):
        return False  # "were you to pay upfront, I could ...", "should you need more, ...": a condition, no question
    if w0 in {"can", "could", "may", "might"} and w1 == "i" and doc[i + 2].lemma_ == "ask":
        return True  # "might I ask what matters most to you"
    if w0 in {"is", "are"} and w1 == "there" and w2 in {"anything", "any", "anyone", "anybody", "something"}:
        return True  # "is there anything else you'd like me to know"
    if w0 in {"is", "was"} and w1 in {"it", "that", "this", "the"} and "or" in {word(t) for t in doc[i + 2: end]}:
        return True  # "is it the price or something else"
    return w1 in {"you", "u", "ya"} and \
        w0 in {"do", "did", "are", "were", "have", "can", "could", "would", "will", "is", "was"} and end - i >= 4


def _asks_back(doc: Doc, i: int, end: int) -> bool:
    """After "how about" / "why don't": "you tell me ...", "you?" hand the floor to the customer."""
    words = [t for t in doc[i:min(end, i + 6)] if not t.is_punct]
    if not words:
        return False
    if [word(t) for t in words][:1] in (["you"], ["u"]) and len(words) == 1:
        return True
    return any(t.lemma_ in _ASK_VERBS or t.lemma_ == "start" and "tell" in {x.lemma_ for x in words}
               for t in words[:5]) and any(word(t) in {"you", "u"} for t in words[:4])


def _either_or(rest: List[str]) -> bool:
    if "or" not in rest:
        return False
    k = len(rest) - 1 - rest[::-1].index("or")
    return k < len(rest) - 1 and rest[k + 1] not in {"not", "anything", "something", "so", "what"}


# -- wh-questions: small named rules over a typed clause, tried in order ----------------------------
@dataclass(frozen=True)
class Clause:
    """A clause that may ask: its first word (after fillers) at token `i` of `doc`, up to `end`; whether
    the sentence has a "?" (`asks`); its first three words (chat spellings mapped) and the words after
    the first (punctuation left out)."""

    doc: Doc
    i: int
    end: int
    asks: bool
    w0: str
    w1: str
    w2: str
    rest: Tuple[str, ...]

    @classmethod
    def at(cls, doc: Doc, i: int, end: int, asks: bool) -> Clause:
        return cls(doc, i, end, asks, word(doc[i]), word(doc[i + 1]) if i + 1 < end else "",
                   word(doc[i + 2]) if i + 2 < end else "", tuple(word(t) for t in doc[i + 1: end] if not t.is_punct))

    def lemma(self, offset: int) -> str:
        """The lemma of the word `offset` tokens after the first ("" past the end)."""
        return self.doc[self.i + offset].lemma_ if self.i + offset < self.end else ""

    def lemmas(self, start: int, stop: int | None = None) -> Set[str]:
        """The lemmas from `start` to `stop` tokens after the first (to the end by default)."""
        last = self.end if stop is None else min(self.end, self.i + stop)
        return {self.doc[j].lemma_ for j in range(self.i + start, last)}

    @property
    def opens_sentence(self) -> bool:
        return _opens_sentence(self.doc, self.i, self.end)

    def shape(self, kind: Kind) -> Shape:
        return Shape(kind, self.i)


Rule = Callable[[Clause], Verdict]


def wh_unmarked_statement(q: Clause) -> Verdict:
    """Without "?", a wh-word opens a question only when the verb comes before its subject or the sentence is
    one of chat's short question forms ("what would help you most", "whats ur finance person looking at", "how
    many agents log in right now"); "what I can do is ...", "..., which is why" state."""
    if q.asks:
        return None
    w0, w1, w2, rest, doc, i, end = q.w0, q.w1, q.w2, q.rest, q.doc, q.i, q.end
    aux_next = w1 in AUX_FORMS or doc[i + 1].lemma_ in _AUX if i + 1 < end else False
    inverted = any((a in AUX_FORMS or a in {"'s", "s", "'re", "re"}) and b in _INVERTED_SUBJECTS
                   for a, b in zip(rest[:8], rest[1:9]))
    # "how much of your volume comes in over whatsapp": a quantity asked for, not an exclamation
    quantity = w0 == "how" and w1 in {"many", "much", "often", "long"} and \
        (w2 in {"of"} | AUX_FORMS or q.opens_sentence)
    opens = q.opens_sentence
    contracted = opens and doc[i].lower_ in {"whats", "wats", "hows"} and \
        w1 in {"you", "u", "ur", "your", "the", "it", "that", "this"}
    copula = opens and w0 != "which" and w1 in {"is", "are", "'s", "s"} and "is" not in rest[1:] and len(rest) >= 2
    modal = opens and w1 in {"would", "could", "might", "should", "can", "will"} and i + 2 < end and \
        q.lemma(2) in {"make", "help", "work", "change", "matter", "it", "need", "happen", "have", "get"} \
        and "is" not in rest[2:]
    short_why = opens and w0 == "why" and len(rest) <= 4
    # "how did support hold up in tax season", "what else matters to you": the auxiliary or "else" right after
    # the wh-word opening a sentence asks, whatever the subject
    aux_open = opens and w1 in {"did", "does", "do", "has", "have", "had", "will", "would", "can", "could",
                                "should", "was", "were", "else"}
    if "is" in rest[2:] and not quantity and not contracted:
        return STATEMENT  # "what would help is a longer contract": a statement built on "what"
    asks_someone = any(a in AUX_FORMS and b in {"you", "u", "we", "they", "i", "he", "she"}
                       for a, b in zip(rest[:4], rest[1:5]))  # "..., which would you prefer": still asks
    if w0 in _RELATIVE and not opens and not asks_someone:
        return STATEMENT  # "... patches, which can help with the cravings": a relative clause inside a statement
    if not (aux_next and w2 in {"you", "u", "your", "we", "it", "that", "this", "matter", "help"}) \
            and not (w0 in {"why", "how"} and w1 in {"not", "about"} and len(rest) <= 6) and not inverted \
            and not (quantity or contracted or copula or modal or short_why or aux_open):
        return STATEMENT
    return None


def wh_subject_clause(q: Clause) -> Verdict:
    """"what I'm hearing is ...", "how you feel matters": a wh-clause with its subject straight after is part
    of a statement ("what'd you think" asks: the clitic is the auxiliary)."""
    if q.w1 in {"i", "we", "you", "he", "she", "they", "u"} and q.w0 in {"what", "how", "why", "where", "when"} and \
            q.i + 2 < q.end and not q.doc[q.i + 2].is_punct and not _CLITIC.search(q.doc[q.i].lower_) and \
            not _uninverted_question(q):
        return STATEMENT
    return None


def _uninverted_question(q: Clause) -> bool:
    """"What we can do for you?", "why you want change now?": a learner's question left in statement order; it opens
    the sentence, ends at its "?" and is built on no "is" ("what I'm hearing is ...?" states)."""
    last = q.doc[q.end - 1]
    return q.asks and q.opens_sentence and last.text == "?" and \
        not {"is", "was", "'s", "s"} & set(q.rest[1:]) and \
        not any(t.is_punct and t.text != "?" for t in q.doc[q.i + 1: q.end - 1])


def wh_about(q: Clause) -> Verdict:
    """"how about $23?" / "what about we ..." put an offer up for a yes or a no; "what about you?", "how about you
    tell me ..." hand the floor over; "what about the delivery side?" opens a topic."""
    if not (q.w0 in {"how", "what"} and q.w1 == "about"):
        return None
    if _asks_back(q.doc, q.i + 2, q.end):
        return q.shape(Kind.open)
    if q.w2 in _PROPOSAL_NEXT or (q.i + 2 < q.end and (q.doc[q.i + 2].like_num or q.doc[q.i + 2].is_currency)) or \
            (q.w0 == "how" and q.w2.endswith("ing")):
        return q.shape(Kind.proposal)
    return q.shape(Kind.open)


def what_say_to(q: Clause) -> Verdict:
    """"what do you say to €71 a week?", "what would you say to $40 for two years?": a figure put up for a yes or a
    no ("what do you say to that?" asks what they think)."""
    if q.w0 == "what" and q.w1 in {"do", "would", "'d", "d", "will"} and q.w2 in {"you", "u"} and \
            q.rest[2:4] == ("say", "to"):
        after = q.doc[q.i + 5: min(q.end, q.i + 7)]
        if any(t.like_num or t.is_currency or any(ch.isdigit() for ch in t.text) for t in after):
            return q.shape(Kind.proposal)
    return None


def what_if_proposal(q: Clause) -> Verdict:
    """"what if we ...?" proposes."""
    return q.shape(Kind.proposal) if q.w0 == "what" and q.w1 == "if" and q.w2 in {"i", "we", "you", "u"} else None


def why_not_proposal(q: Clause) -> Verdict:
    """"why not split it?", "why don't we ...?" propose; "why don't you tell me ...?" asks."""
    if q.w0 == "why" and (q.w1 == "not" or
                          q.w1 in {"don't", "do", "dont"} and q.w2 in {"we", "i", "n't", "nt", "not"}):
        return q.shape(Kind.open) if _asks_back(q.doc, q.i + 2, q.end) else q.shape(Kind.proposal)
    return None


def how_does_that_sound(q: Clause) -> Verdict:
    """"how does that sound?" after an offer checks agreement; "how does $33 an agent sound?" puts a number up."""
    if q.w0 in {"how", "hows"} and q.w1 in {"do", "does", "'s", "is", "s", "would", "will"} and \
            q.w2 in {"that", "this", "it"} and any(r in {"sound", "sounds", "work", "works", "suit", "seem", "seems",
                                                     "feel", "look", "looks", "sit", "sits", "land", "lands"}
                                                 for r in q.rest[2:4]):
        return q.shape(Kind.check)
    if q.w0 == "how" and q.w1 in {"do", "does", "would"} and q.i + 2 < q.end and \
            (q.doc[q.i + 2].is_currency or q.doc[q.i + 2].like_num) and \
            {"sound", "sounds", "suit", "work"} & set(q.rest):
        return q.shape(Kind.proposal)
    return None


_WANTED_HOW = {"long", "often", "soon", "far"}  # "how soon would suit you?" asks what they want


def how_many(q: Clause) -> Verdict:
    """"how many / long / often ...?" asks for a figure; "how long a contract would suit you?" asks what they want."""
    if q.w0 in {"how", "hows"} and q.w1 in _FACT_HOW:
        wants = re.search(r"\b(?:would|will|could) (?:you|suit|work)\b|\bprefer|\bideal", " ".join(q.rest))
        return q.shape(Kind.open if wants and q.w1 in _WANTED_HOW else Kind.closed)
    return None


def how_much_it_weighs(q: Clause) -> Verdict:
    """"how much does delivery speed matter to you?", "how much of an impact has it had?", "how much wiggle room does
    finance give you?": the weight of a concern, explained like "how important", not a figure looked up."""
    if not (q.w0 == "how" and q.w1 == "much"):
        return None
    forms = q.lemmas(2) | set(q.rest[1:])  # the word as typed too: the lookup lemmatizer reads "matter" as "matt"
    if forms & _WEIGH_MUCH_VERBS or forms & _WEIGH_MUCH_NOUNS and q.w2 in {"of", "wiggle", "room", "say"}:
        return q.shape(Kind.open)
    return None


def how_important(q: Clause) -> Verdict:
    """"how important is delivery to you?" asks them to weigh and explain."""
    return q.shape(Kind.open) if q.w0 == "how" and q.w1 in _WEIGH_HOW else None


def what_kind_of_story(q: Clause) -> Verdict:
    """"what sort of situations / thoughts ...?" asks for a description ("what kind of plan?" for a category)."""
    if q.w0 in {"what", "whats"} and q.w1 in {"kind", "sort", "type", "kinds", "sorts", "types"} and q.w2 == "of" \
            and q.lemma(3) in (_OPEN_NOUNS - _FACT_NOUNS) | {"situation", "thing", "way"}:
        return q.shape(Kind.open)
    return None


def when_was_a_time(q: Clause) -> Verdict:
    """"when was a time that ...?" asks for a story, not a date ("when was the time of ..." a date)."""
    if q.w0 == "when" and q.w1 in {"was", "is", "'s"} and q.w2 in {"a", "the"} and \
            q.i + 3 < q.end and word(q.doc[q.i + 3]) == "time" and \
            not (q.i + 4 < q.end and word(q.doc[q.i + 4]) == "of"):
        return q.shape(Kind.open)
    return None


_PERSONAL = {"name", "email", "address", "phone", "postcode", "zip", "age"}
_DETERMINERS = {"the", "your", "ur", "yr", "a", "an", "our", "this", "that", "their", "my", "his", "her", "its"}
_NP_ENDS = _PREP | AUX_FORMS | {"that", "which", "who", "you", "u", "we", "they", "i", "he", "she", "it", "and", "or",
                                "if", "when", "so", "for", "right", "then", "now"}


def _asked_noun(q: Clause) -> Tuple[str, ...]:
    """The noun phrase a "what's / what is the ...?" asks about, its determiner left out, up to a preposition or the
    end ("what's the exact end date of your lease?" -> exact, end, date); () for other forms, and where a clause
    follows the noun ("what's the budget you're working with?" asks about more than a figure)."""
    if q.doc[q.i].lower_ in {"whats", "wats", "wots"}:  # typed without the apostrophe: one word, the "is" inside
        words: Sequence[str] = q.rest
    elif q.w1 in {"'s", "is", "s", "was", "are", "were"}:
        words = q.rest[1:]
    else:
        return ()
    if not words or words[0] not in _DETERMINERS:
        return ()  # "what was different this time?" asks no noun
    phrase: List[str] = []
    for w in words[1:]:
        if w in _PREP or w in {"w", "abt", "re"}:  # chat's "w" for "with"
            break  # "the end date of your lease": the phrase ends at its preposition
        if w in _DETERMINERS - {"that"} and phrase:
            break  # "the budget this year": a time said after the noun
        if w in _NP_ENDS or w in {"'s", "s", "’s"} or len(phrase) == 4:
            # "the budget you're working with": a clause follows, it asks for more than the figure; "your
            # accountant's name": a person's detail, which the reading answers as private (parley/reading.py)
            return ()
        phrase.append(w)
    return tuple(phrase)


def what_date(q: Clause) -> Verdict:
    """"what's the timeline for your budget submission?", "what timeline are you working to?", "what's the exact end
    date of your lease?": a date."""
    if q.w0 not in {"what", "whats"}:
        return None
    phrase = _asked_noun(q) or _noun_before_clause(q)
    nouns = set(phrase) if phrase else {q.w1}
    return q.shape(Kind.closed) if nouns & _DATE_NOUNS and not nouns & _OPEN_NOUNS else None


def _noun_before_clause(q: Clause) -> Tuple[str, ...]:
    """"what's the timeline you're working to?": the noun right after "what's the", where a clause follows it."""
    if q.doc[q.i].lower_ in {"whats", "wats", "wots"}:
        words: Sequence[str] = q.rest
    elif q.w1 in {"'s", "is", "s", "was"}:
        words = q.rest[1:]
    else:
        return ()
    return (words[1],) if len(words) > 2 and words[0] in _DETERMINERS and words[2] in _NP_ENDS else ()


def what_fact(q: Clause) -> Verdict:
    """"what date / price / plan ...?", "what did you pay?", "what's the deadline?": one fact."""
    if q.w0 not in {"what", "whats"}:
        return None
    if (q.w1 in _FACT_NOUNS or q.lemma(1) in _FACT_NOUNS) and len(q.rest) <= 7 and "you" not in q.rest[1:2] and \
            q.w1 not in {"makes", "made", "making"}:
        return q.shape(Kind.closed)
    if q.w1 in {"did", "do", "does", "were", "was", "are", "is"} and len(q.rest) <= 7 and \
            q.lemmas(2, 5) & {"pay", "spend", "cost", "charge", "paying"}:
        return q.shape(Kind.closed)  # "what did you pay before?" asks for a figure
    if q.w1 in {"'s", "is", "s", "are", "was"} and len(q.rest) <= 4:
        nouns = q.lemmas(2)
        if nouns & _FACT_NOUNS and not nouns & _OPEN_NOUNS:
            return q.shape(Kind.closed)
    phrase = _asked_noun(q)  # "whats the ref number?", "what's the exact renewal price for 40 seats?"
    # (a person's name or e-mail is left to the rules after: the reading answers it as private, off topic)
    if phrase and phrase[-1] in _FACT_NOUNS - _PERSONAL and not set(phrase) & _OPEN_NOUNS and len(q.rest) <= 10:
        return q.shape(Kind.closed)
    return None


_COMPARATIVES = {"more", "better", "rather", "less", "first"}


def which_one(q: Clause) -> Verdict:
    """"which of those matters most to you?" asks them to weigh (like "how important"); "which plan?" a fact."""
    weighs = (q.lemmas(1) | set(q.rest)) & {"matter", "matters", "important", "priority", "concern", "care", "useful",
                                            "helpful"}  # the word as typed too: the lookup lemmatizer reads "matt"
    if q.w0 == "which" and weighs and not _either_or(list(q.rest)) and not set(q.rest) & _COMPARATIVES:
        return q.shape(Kind.open)  # "which of those matters most?"; "which matters more, X or Y?" picks one
    return q.shape(Kind.closed) if q.w0 in {"which", "whose"} else None


def when_where_who(q: Clause) -> Verdict:
    """"when / where / who ...?" asks one fact, unless it asks what they would do or think ("who else ...?")."""
    if q.w0 not in {"when", "where", "who", "whom"}:
        return None
    modal = q.w1 in {"would", "could", "might", "should", "can", "ca", "will", "d", "'d", "else"}
    thinks = bool({"think", "feel", "see", "want", "plan", "imagine", "hope"} & q.lemmas(1, 5))
    if modal or thinks or (q.w0 in {"who", "where"} and "else" in q.rest[:2]):
        return q.shape(Kind.open)
    return q.shape(Kind.question)


def wh_open(q: Clause) -> Verdict:
    """Any other "what / how / why ...?" invites an explanation."""
    return q.shape(Kind.open)


WH_RULES: Tuple[Rule, ...] = (
    wh_unmarked_statement, wh_subject_clause, wh_about, what_say_to, what_if_proposal, why_not_proposal,
    how_does_that_sound, how_much_it_weighs, how_many, how_important, what_kind_of_story, when_was_a_time,
    what_date, what_fact, which_one, when_where_who, wh_open,
)


# a wh-question embedded in a request or a wish to know ("could you tell me how many ...", "I'd like to know what
# ..."): its words are in statement order, so only the rules that read what is asked for apply
EMBEDDED_WH_RULES: Tuple[Rule, ...] = (how_much_it_weighs, how_many, how_important, what_kind_of_story, what_date,
                                       what_fact, which_one)


def decide(rules: Sequence[Rule], q: Clause) -> Shape | None:
    """The first rule with a verdict decides (a statement: no question)."""
    for rule in rules:
        verdict = rule(q)
        if verdict is not None:
            return verdict if isinstance(verdict, Shape) else None
    return None


def wh_shape(q: Clause) -> Shape | None:
    """The shape of a clause opening with a wh-word."""
    return decide(WH_RULES, q)


_ASKING_WORDS = _WH | {"tell", "describe", "explain", "walk", "talk", "share", "say", "elaborate", "expand", "help",
                       "give", "fill", "catch", "run", "take", "paint", "outline", "wonder", "curious", "interested",
                       "keen", "like", "love", "want", "need", "hope", "eager", "let", "confirm", "verify", "provide",
                       "send", "quote"}


def quoted(sent: Span, start: int) -> bool:
    """The question sits inside quotation marks: someone's words reported ('they think, "why pay more?"'),
    not a question the speaker asks."""
    before = sent.doc.text[sent.start_char: sent.doc[start].idx]
    if before.count('"') % 2 == 1 or before.count("\u201c") > before.count("\u201d"):
        return True
    outside = re.sub(r'"[^"]*"|\u201c[^\u201d]*\u201d', " ", sent.text)
    if "?" in sent.text and "?" not in outside:
        return True  # 'he said "what are you going to do about it?"'
    # a quotation opened in an earlier sentence and closed in this one: 'you think, "Oh no. What if it fails?"'
    earlier = sent.doc.text[: sent.start_char]
    after = sent.doc.text[sent.doc[start].idx: sent.end_char]
    return earlier.count('"') % 2 == 1 and '"' in after or \
        earlier.count("\u201c") > earlier.count("\u201d") and "\u201d" in after


def may_ask(sent: Span, lemmas: Set[str]) -> bool:
    """Cheap pre-check: a sentence can only be a question if it has '?' or an asking word."""
    return "?" in sent.text or bool(lemmas & _ASKING_WORDS) or bool(lemmas & _AUX and lemmas & {"you", "or", "there"}) \
        or any(t.lower_ in _WH_TYPOS for t in sent[:3])
