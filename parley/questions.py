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
from typing import List, Set

from spacy.tokens import Doc, Span, Token

_FILLERS = {
    "so", "and", "ok", "okay", "well", "also", "but", "right", "then", "now", "alright", "just", "oh", "sure",
    "um", "uh", "er", "erm", "ah", "yeah", "yes", "yep", "hmm", "mm", "mhm", "mm-hmm", "uh-huh", "great", "cool",
    "like", "anyway", "look", "listen", "hey", "hi", "hello", "fine", "good", "perfect", "thanks", "thank",
    "honestly", "actually", "first", "firstly", "second", "next", "finally", "lastly", "wow", "hm", "ooh",
    "or", "because", "cause", "'cause", "no", "absolutely", "exactly", "indeed", "interesting", "wonderful",
    "excellent", "nice", "gotcha", "understood", "roughly", "approximately", "approx",
}
# a filler run like "you know" or "I mean" is skipped only as a whole (the words alone are not fillers)
_FILLER_PAIRS = {("you", "know"), ("i", "mean"), ("i", "guess"), ("i", "see"), ("got", "it"), ("all", "right")}
_WH = {"what", "how", "why", "where", "when", "who", "whom", "whose", "which", "whats", "hows", "whys"}
_AUX = {"be", "do", "can", "could", "would", "will", "shall", "should", "have", "may", "might", "must", "need"}
AUX_FORMS = {"is", "are", "am", "was", "were", "do", "does", "did", "can", "could", "would", "will", "shall",
              "should", "have", "has", "had", "may", "might", "must", "ca", "wo", "sha", "isnt", "arent", "dont",
              "doesnt", "didnt", "cant", "wont", "wouldnt", "couldnt", "shouldnt", "havent", "hasnt", "aint"}
_PREP = {"in", "to", "for", "on", "from", "at", "by", "with", "of", "about", "into", "under", "between", "since"}
_ASK_VERBS = {"tell", "describe", "explain", "walk", "talk", "share", "elaborate", "expand", "outline", "paint",
              "fill", "catch", "run", "say"}
_REQUEST_AUX = {"can", "could", "would", "will", "may", "might", "ca", "wo"}
_SUBJECTS = {"you", "we", "i", "it", "they", "he", "she", "that", "this", "there", "your", "the", "these", "those",
             "anyone", "anybody", "anything", "everything", "everyone", "something", "someone", "people", "u"}
_INVERTED_SUBJECTS = {"you", "u", "your", "we", "our", "they", "their", "it", "that", "this", "the", "he", "she",
                      "his", "her"}
_FACT_HOW = {"many", "much", "long", "often", "old", "soon", "far", "big", "large", "frequently", "late", "early"}
# "how important / confident / ready ...": the answer is a judgement the other side explains
_WEIGH_HOW = {"important", "confident", "ready", "willing", "motivated", "committed", "comfortable", "concerned",
              "worried", "satisfied", "happy", "serious", "keen", "interested", "likely", "critical", "essential",
              "flexible", "attached", "open"}
_FACT_NOUNS = {
    "time", "day", "date", "year", "month", "week", "size", "model", "number", "name", "address", "email",
    "postcode", "zip", "account", "reference", "version", "plan", "package", "tier", "colour", "color", "age",
    "percentage", "price", "budget", "amount", "quantity", "volume", "figure", "total", "deadline", "brand",
    "kind", "type", "sort", "make", "quote", "rate", "fee", "cost", "phone", "contract", "length", "term",
}
_OPEN_NOUNS = {
    "thought", "concern", "worry", "priority", "need", "goal", "plan", "idea", "view", "feeling", "experience",
    "reason", "situation", "challenge", "problem", "issue", "question", "take", "sense", "opinion", "impression",
    "preference", "main", "big", "biggest", "top", "most", "real", "ideal", "hope", "expectation", "objective",
    "requirement", "option", "alternative", "suggestion", "story", "process", "approach",
}
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
    r"^(?:(?:so|and|but|okay|ok|well|now|then|please|just|also|yeah|right|alright|first|actually)\b[,\s]*)*"
    r"(?:can you |could you |would you |will you |do you mind |would you mind |maybe |perhaps )?"
    r"(tell me|tell us|talk me|talk to me|talk us|walk me|walk us|describe|explain|share|say more|elaborate|"
    r"expand on|help me understand|help me see|help me get|help us understand|give me (?:a|an|some) "
    r"(?:sense|idea|picture|feel|flavour|flavor|overview)|paint (?:me )?a picture|fill me in|catch me up|"
    r"run me through|take me through|let me know (?:what|how|why|where|more))\b"
    r"(?!,?\s*(?:if|whether)\b)",  # "tell me if it hurts" asks for a yes or a no
    re.I,
)
_RHETORICAL = re.compile(
    r"\b(?:you|u) (?:really|honestly|seriously) (?:think|believe|expect|imagine|suppose)\b|"
    r"\bwhat did you expect\b|\bwho else (?:is going to|will|would|'s going to)\b|"
    r"\bwhere else (?:are you going to|will you|would you|'re you going to)\b|"
    r"\b(?:do|did|can|could|would|will) (?:you|u) (?:really|honestly|seriously) (?:think|want|need|believe|expect|"
    r"imagine|suppose|care|mean to)\b|\bare you (?:really|seriously|"
    r"honestly|kidding|joking|serious)\b|\bdo you (?:even|actually) (?:know|understand|realise|realize|read)\b|"
    r"\bwhy (?:are|do|would|should) you (?:even|keep|always)\b|\bis (?:\$?\d+|it|that|this) really worth\b|"
    r"\bhave you (?:even|actually) (?:read|looked|thought)\b|\bwhat (?:more|else) do you want\b|"
    r"\bwho do you think\b|\byes or no\b|\bhow (?:hard|difficult) (?:can it be|is it)\b",
    re.I,
)
_HELLO = r"(?:hi|hello|hey|hiya|morning|good (?:morning|afternoon|evening))"
_PHATIC = re.compile(
    r"^" + _HELLO + r"?[\s,!.]*(?:[a-z]+[\s,!.]+)?"
    r"(how are (?:you|u|things)(?: doing| keeping| today| this (?:morning|afternoon|evening)| going)*|"
    r"how(?:'s| is| has|s) (?:it going|things|your (?:day|week|morning|afternoon)(?: going| been)?|everything)|"
    r"how have you been|how(?:'s| is) life|how do you do|you (?:ok|okay|alright|well)|are you well|"
    r"hope you(?:'re| are) (?:well|good|keeping well))\s*(?:today|this morning|this afternoon)?[?!.\s]*$",
    re.I,
)
_PROPOSAL_NEXT = {"i", "we", "you", "me", "us", "this", "that", "#", "a", "an", "if", "$", "£", "€", "my", "our",
                  "just", "the", "doing", "making", "giving", "taking", "getting", "going", "meeting", "moving",
                  "splitting", "switching", "signing", "paying", "adding", "u"}
_CHECK_TAIL = re.compile(
    r"(?:,|\s)\s*(right|correct|yeah|yes|no|ok|okay|yep|eh|true|isn't it|aren't you|don't you|didn't you|"
    r"wasn't it|doesn't it|is that right|is that correct|is that fair|am i right|yeah\?|no\?|fair|innit|do you)"
    r"[\s?!.]*$",
    re.I,
)


@dataclass(frozen=True)
class Shape:
    """What the form of a clause says: a question (open / closed), a proposal, a check, a jab."""

    kind: str  # "open", "closed", "proposal", "check", "rhetorical", "phatic", "question" (type unclear)
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


def question_shape(sent: Span) -> Shape | None:
    """The question form of a sentence, from its words alone (None: not a question)."""
    text = sent.text.strip()
    if not text:
        return None
    asks = "?" in text
    lowered = " ".join(text.lower().split())
    if _PHATIC.match(lowered):
        return Shape("phatic", sent.start)
    tail = lowered.rsplit(",", 1)[-1]
    if "," in lowered and asks and _PHATIC.match(tail.strip()) and \
            re.match(r"\W*" + _HELLO + r"\b", lowered):
        # "hi lena, good to hear from you, how's your week?": still the greeting
        return Shape("phatic", _char_to_token(sent, len(lowered) - len(tail.lstrip())))
    if asks and _RHETORICAL.search(lowered):
        return Shape("rhetorical", sent.start)
    doc = sent.doc
    end = sent.end
    embedded = _EMBED_OPEN.search(lowered)
    if embedded and not (embedded.group(2) and re.match(r"\s*(?:if|whether)\b", lowered[embedded.end(2):])):
        return Shape("open", _char_to_token(sent, embedded.start()))
    if asks and re.search(r"\bscale\b|\b(?:1|one|0|zero) (?:to|and|-) (?:10|ten|5|five|100)\b", lowered) and \
            not re.search(r"\bhow (?:" + "|".join(sorted(_WEIGH_HOW)) + r")\b", lowered):
        return Shape("closed", sent.start)  # "on a scale of 1 to 10, what number ...?" asks for one number
    found: List[Shape] = []
    for start in _clause_starts(sent):
        i = _skip_fillers(doc, start, end)
        if i >= end:
            continue
        clause = " ".join(doc[i:end].text.lower().split())
        if _IMPERATIVE_OPEN.match(clause):
            return Shape("open", i)
        if re.match(r"(?:please )?(?:tell me|let me know) (?:if|whether)\b", clause):
            return Shape("closed", i)  # "tell me if that's a problem" asks for a yes or a no
        head = word(doc[i])
        thoughts = head == "any" and i + 1 < end and doc[i + 1].lemma_ in {"thought", "idea", "suggestion"}
        if (asks or thoughts) and head in {"any", "anything", "anyone", "anybody", "anywhere"}:
            shape = _any_shape(doc, i, end)
        else:
            shape = _clause_shape(doc, i, end, asks)
        if shape:
            found.append(shape)
            if shape.kind == "open":
                return shape
    if found:
        kinds = [s.kind for s in found]
        tail = [t for t in sent if not t.is_punct and not t.is_space]
        if tail and word(tail[-1]) == "or" and kinds[0] in {"closed", "question"}:
            return Shape("open", found[0].start)  # "do you have a plan or?" leaves the other options to them
        for kind in ("question", "closed", "proposal", "check"):
            if kind in kinds:
                return found[kinds.index(kind)]
    words = [t for t in sent if not t.is_punct and not t.is_space and not is_symbol(t)]
    if [word(t) for t in words] in (["why"], ["how", "come"], ["y"]):
        return Shape("open", sent.start)  # "why?" asks them to explain
    if not asks:
        return None
    if not words or all(word(t) in _BACKCHANNEL for t in words):
        return None  # "Yeah?", "Okay?": a continuer that hands the turn back, not a question
    if word(words[-1]) == "or" or word(words[-1]) in _WH and len(words) > 1:
        return Shape("open", sent.start)  # "... or?" leaves it open; "acting out would be what?"
    if _CHECK_TAIL.search(lowered):
        return Shape("check", sent.start)
    if len(words) <= 4:
        return Shape("closed", sent.start)
    if any(not t.is_punct and not t.is_space for t in doc[end:]) and "?" not in doc[end:].text:
        return None  # a statement with a lilt, then the speaker carries on: a reflection, not a question
    return Shape("question", sent.start)  # a statement said as a question: closed, or checking a summary


SO_CHECK = re.compile(r"^\W*(?:(?:ok|okay|right|alright|and|oh|yeah|mm|hmm)\W+)*so\b"
                       r"(?!\s+(?:can|could|would|will|shall|wat|wats|wot|wht|hw|"
                       r"do|does|did|is|are|what|how|why|when|where|who|which|if|(?:you|we|i)(?:'ll| will)|"
                       r"(?:we|i) (?:can|could|cud|cld|would|'d|might))\b)", re.I)
_BACKCHANNEL = {"hello", "hi", "hey",  # "hello?": are you there, not a question
                "yeah", "yes", "yep", "yup", "okay", "ok", "right", "alright", "all", "really", "hmm", "huh", "mm",
                "mhm", "mm-hmm", "uh-huh", "sure", "eh", "oh", "so", "no", "and"}


def _any_shape(doc: Doc, i: int, end: int) -> Shape:
    """"Anything else?", "any thoughts on that?": elliptical questions that invite more."""
    following = [word(t) for t in doc[i:end]]
    chance = following[1:2] == ["chance"] and not _ASK_VERBS & set(following)  # "any chance $32 gets us there?"
    if chance or {"question", "questions"} & set(following) or \
            ({"i", "we"} & set(following) and {"help", "do"} & set(following)):
        return Shape("closed", i)
    return Shape("open", i)


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
    if i + 1 >= end:
        return None
    w0 = word(doc[i])
    w1 = word(doc[i + 1])
    w2 = word(doc[i + 2]) if i + 2 < end else ""
    lemma1 = doc[i + 1].lemma_ if i + 1 < end else ""
    rest = [word(t) for t in doc[i + 1: end] if not t.is_punct]
    if w0 in _PREP and w1 in _WH:  # "in what ways ...", "to what extent ..."
        # without a "?", only an inverted auxiliary makes it a question: "in what ways would it help"
        # asks; "about how the price had gone up" and "from what I've heard" report
        if w2 in {"you", "u", "i", "we", "they", "he", "she"}:
            return None  # "from what you said, is it the price?": a relative clause; the question comes after
        if w1 == "how" and w2 in _FACT_HOW:
            return Shape("closed", i)  # "about how many do you use?" asks for a figure
        return Shape("open", i) if asks or len(rest) > 3 and _inverted(doc, i + 2, end) else None
    if w0 == "how" and w1 == "come":
        return Shape("open", i)  # "how come you're unhappy" asks why
    if w0 in _WH:
        return _wh_shape(doc, i, end, asks, w0, w1, w2, rest)
    if w0 in AUX_FORMS and (w1 in _SUBJECTS or doc[i + 1].lemma_ in _SUBJECTS or w1 == "n't"
                             or doc[i + 1].like_num or doc[i + 1].is_title) \
            and (asks or _unmarked_question(doc, i, end)):
        subject_at = i + 2 if w1 in {"n't", "not", "nt"} else i + 1
        after = [word(t) for t in doc[subject_at + 1: end] if not t.is_punct]
        verb = doc[subject_at + 1].lemma_ if subject_at + 1 < end else ""
        polite = verb == "be" and "kind" in after[1:4] and any(  # "would you be so kind as to explain ..."
            doc[j].lemma_ in _ASK_VERBS - {"say", "run", "fill", "catch"}
            for j in range(subject_at + 2, min(end, subject_at + 8)))
        # "could you tell me more?" asks them to talk; "did you tell finance?", "are you talking to other
        # vendors?" ask whether they did: only a request (a modal) hands them the floor
        if w1 in {"you", "u"} and w0 in _REQUEST_AUX and \
                (verb in _ASK_VERBS or polite or verb == "help" and after[1:2] in (["me"], ["us"])):
            return Shape("open", i)
        if w1 in {"you", "u"} and verb == "mind" and after[1:2] and after[1].endswith("ing") and \
                doc[subject_at + 2].lemma_ in _ASK_VERBS:
            return Shape("open", i)
        if w0 in {"can", "could", "may", "might"} and w1 == "i" and verb == "ask":
            nested = [j for j in range(subject_at + 2, min(end, subject_at + 5)) if word(doc[j]) in _WH]
            if nested:  # "may I ask what you need?": the nested clause decides ("how many" stays closed)
                return _wh_shape(doc, nested[0], end, True, word(doc[nested[0]]),
                                 word(doc[nested[0] + 1]) if nested[0] + 1 < end else "",
                                 word(doc[nested[0] + 2]) if nested[0] + 2 < end else "",
                                 [word(t) for t in doc[nested[0] + 1: end] if not t.is_punct]) or Shape("open", i)
        if w1 in {"you", "u"} and verb == "have" and "any" in after[:2] and \
                any(doc[j].lemma_ in {"thought", "idea", "view", "sense", "feeling", "suggestion", "theory"}
                    for j in range(subject_at + 2, min(end, subject_at + 5))):
            return Shape("open", i)
        lemmas_after = [doc[j].lemma_ for j in range(subject_at + 1, end)]
        if w1 in {"you", "u"} and (verb == "think" and "of" in after[1:2] and w0 in {"can", "could", "ca"} or
                                   verb == "give" and "example" in after[:5]):
            return Shape("open", i)  # "can you think of ...?", "could you give me an example?"
        if w1 in {"you", "u"} and verb == "have" and {"thought", "think"} & set(lemmas_after[1:4]) and \
                "about" in after[:6]:
            return Shape("open", i)  # "have you thought about ...?"
        wider = " ".join(after)
        if re.search(r"\bany ?(?:thing|one|body)? (?:other|else)\b|\bany other\b", wider) and \
                not re.search(r"\b(?:i|we) (?:can|could) (?:help|do)\b", wider):
            return Shape("open", i)  # "is there anything else ...?", "are there any other ...?" invite more
        if _either_or(rest):
            return Shape("closed", i)
        if lemma1 in {"that", "this", "it"} and verb in {"work", "sound", "suit", "seem"}:
            return Shape("check", i)
        return Shape("closed", i)
    if w0 in AUX_FORMS and asks and w1 in {"we", "i"}:
        return Shape("proposal", i)
    return None


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


def _wh_shape(doc: Doc, i: int, end: int, asks: bool, w0: str, w1: str, w2: str, rest: List[str]) -> Shape | None:
    if not asks:
        # "what would help you most", "how many do you order" typed without "?" still ask (the verb
        # comes before its subject); "what I can do is ..." states
        aux_next = w1 in AUX_FORMS or doc[i + 1].lemma_ in _AUX if i + 1 < end else False
        inverted = any((a in AUX_FORMS or a in {"'s", "s", "'re", "re"}) and b in _INVERTED_SUBJECTS
                       for a, b in zip(rest[:8], rest[1:9]))
        # "how much of your volume comes in over whatsapp": a quantity asked for, not an exclamation
        quantity = w0 == "how" and w1 in {"many", "much", "often", "long"} and \
            (w2 in {"of"} | AUX_FORMS or _opens_sentence(doc, i, end))  # "how many agents log in right now"
        # "whats ur finance person looking at", "what is for you most important", "what would make this right
        # for you", "why relaydesk": chat questions without "?" (a statement would go on "... is ...")
        # only a sentence opens this way: "..., which is why" is a clause, not a question
        opens = _opens_sentence(doc, i, end)
        contracted = opens and doc[i].lower_ in {"whats", "wats", "hows"} and \
            w1 in {"you", "u", "ur", "your", "the", "it", "that", "this"}
        copula = opens and w0 != "which" and w1 in {"is", "are", "'s", "s"} and "is" not in rest[1:] and len(rest) >= 2
        modal = opens and w1 in {"would", "could", "might", "should", "can", "will"} and i + 2 < end and \
            doc[i + 2].lemma_ in {"make", "help", "work", "change", "matter", "it", "need", "happen", "have", "get"} \
            and "is" not in rest[2:]
        short_why = opens and w0 == "why" and len(rest) <= 4
        # "how did support hold up in tax season", "what else matters to you": the auxiliary or "else"
        # right after the wh-word opening a sentence asks, whatever the subject
        aux_open = opens and w1 in {"did", "does", "do", "has", "have", "had", "will", "would", "can", "could",
                                    "should", "was", "were", "else"}
        if "is" in rest[2:] and not quantity and not contracted:
            return None  # "what would help is a longer contract": a statement built on "what"
        if not (aux_next and w2 in {"you", "u", "your", "we", "it", "that", "this", "matter", "help"}) \
                and not (w0 in {"why", "how"} and w1 in {"not", "about"} and len(rest) <= 6) and not inverted \
                and not (quantity or contracted or copula or modal or short_why or aux_open):
            return None
    if w1 in {"i", "we", "you", "he", "she", "they", "u"} and w0 in {"what", "how", "why", "where", "when"} and \
            i + 2 < end and not doc[i + 2].is_punct and not _CLITIC.search(doc[i].lower_):
        return None  # "what I'm hearing is ...", "how you feel matters": a clause ("what'd you think" asks)
    if w0 in {"how", "what"} and w1 == "about":
        nxt = w2
        asks_back = _asks_back(doc, i + 2, end)
        if asks_back:
            return Shape("open", i)  # "how about you tell me ...", "what about you?"
        if nxt in _PROPOSAL_NEXT or (i + 2 < end and (doc[i + 2].like_num or doc[i + 2].is_currency)) or \
                (w0 == "how" and nxt.endswith("ing")):
            return Shape("proposal", i)  # "how about $23?", "what if we ...": an offer, answered yes or no
        return Shape("open", i)  # "what about the delivery side?" opens a topic
    if w0 == "what" and w1 == "if" and w2 in {"i", "we", "you", "u"}:
        return Shape("proposal", i)
    if w0 == "why" and (w1 == "not" or (w1 in {"don't", "do", "dont"} and w2 in {"we", "i", "n't", "nt", "not"})):
        return Shape("open", i) if _asks_back(doc, i + 2, end) else Shape("proposal", i)
    if w0 in {"how", "hows"} and (w1 in {"do", "does", "'s", "is", "s", "would", "will"}) and \
            w2 in {"that", "this", "it"} and any(r in {"sound", "sounds", "work", "works", "suit", "seem", "seems",
                                                       "feel", "look", "looks"} for r in rest[2:4]):
        return Shape("check", i)  # "how does that sound?" after an offer checks agreement
    if w0 == "how" and w1 in {"do", "does", "would"} and i + 2 < end and \
            (doc[i + 2].is_currency or doc[i + 2].like_num) and {"sound", "sounds", "suit", "work"} & set(rest):
        return Shape("proposal", i)  # "how does $33 an agent sound?" puts a number up for a yes or a no
    if w0 in {"how", "hows"} and w1 in _FACT_HOW:
        # "how long a contract would suit you?" asks what they want, not a figure to look up
        wants = re.search(r"\b(?:would|will|could) (?:you|suit|work)\b|\bprefer|\bideal", " ".join(rest))
        return Shape("open" if wants and w1 in {"long", "often", "soon", "far"} else "closed", i)
    if w0 == "how" and w1 in _WEIGH_HOW:
        return Shape("open", i)  # "how important is delivery to you?" asks them to weigh and explain
    if w0 in {"what", "whats"} and w1 in {"kind", "sort", "type", "kinds", "sorts", "types"} and w2 == "of" and \
            i + 3 < end and doc[i + 3].lemma_ in (_OPEN_NOUNS - _FACT_NOUNS) | {"situation", "thing", "way"}:
        return Shape("open", i)  # "what sort of situations / thoughts ...?" asks for a description
    if w0 == "when" and w1 in {"was", "is", "'s"} and w2 in {"a", "the"} and \
            i + 3 < end and word(doc[i + 3]) == "time" and not (i + 4 < end and word(doc[i + 4]) == "of"):
        return Shape("open", i)  # "when was a time that ...?" asks for a story, not a date
    if w0 in {"what", "whats"} and (w1 in _FACT_NOUNS or doc[i + 1].lemma_ in _FACT_NOUNS if i + 1 < end else False) \
            and len(rest) <= 7 and "you" not in rest[1:2] and w1 not in {"makes", "made", "making"}:
        return Shape("closed", i)
    if w0 in {"what", "whats"} and w1 in {"did", "do", "does", "were", "was", "are", "is"} and len(rest) <= 7 and \
            {doc[j].lemma_ for j in range(i + 2, min(end, i + 5))} & {"pay", "spend", "cost", "charge", "paying"}:
        return Shape("closed", i)  # "what did you pay before?" asks for a figure
    if w0 in {"what", "whats"} and w1 in {"'s", "is", "s", "are", "was"} and len(rest) <= 4:
        nouns = {doc[j].lemma_ for j in range(i + 2, end)}
        if nouns & _FACT_NOUNS and not nouns & _OPEN_NOUNS:
            return Shape("closed", i)
    if w0 == "which" and not _either_or(rest) and \
            {doc[j].lemma_ for j in range(i + 1, end)} & {"matter", "important", "priority", "concern", "care",
                                                          "useful", "helpful"}:
        return Shape("open", i)  # "which of those matters most to you?" asks them to weigh, like "how important"
    if w0 in {"which", "whose"}:
        return Shape("closed", i)
    if w0 in {"when", "where", "who", "whom"}:
        modal = w1 in {"would", "could", "might", "should", "can", "ca", "will", "d", "'d", "else"}
        thinks = bool({"think", "feel", "see", "want", "plan", "imagine", "hope"} &
                      {doc[j].lemma_ for j in range(i + 1, min(end, i + 5))})
        if modal or thinks or (w0 in {"who", "where"} and "else" in rest[:2]):
            return Shape("open", i)
        return Shape("question", i)
    return Shape("open", i)


_ASKING_WORDS = _WH | {"tell", "describe", "explain", "walk", "talk", "share", "say", "elaborate", "expand", "help",
                       "give", "fill", "catch", "run", "take", "paint", "outline", "wonder", "curious", "interested",
                       "keen", "like", "love", "want", "need", "hope", "eager", "let"}


def quoted(sent: Span, start: int) -> bool:
    """The question sits inside quotation marks: someone's words reported ('they think, "why pay more?"'),
    not a question the speaker asks."""
    before = sent.doc.text[sent.start_char: sent.doc[start].idx]
    if before.count('"') % 2 == 1 or before.count("\u201c") > before.count("\u201d"):
        return True
    outside = re.sub(r'"[^"]*"|\u201c[^\u201d]*\u201d', " ", sent.text)
    return "?" in sent.text and "?" not in outside  # 'he said "what are you going to do about it?"'


def may_ask(sent: Span, lemmas: Set[str]) -> bool:
    """Cheap pre-check: a sentence can only be a question if it has '?' or an asking word."""
    return "?" in sent.text or bool(lemmas & _ASKING_WORDS) or bool(lemmas & _AUX and lemmas & {"you", "or", "there"}) \
        or any(t.lower_ in _WH_TYPOS for t in sent[:3])
