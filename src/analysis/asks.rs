//! What a question asks for, from its question words (English, Ukrainian, Russian),
//! and whether a sentence offers that kind of thing: a number for "how many", a
//! date for "when", a name for "who", a reason for "why", names in a list for
//! "which countries", words of closing for "how did … end".
//!
//! Excerpt choice uses it to prefer, among sentences that match the question's
//! words about as well, the one that holds what was asked for rather than the one
//! that only repeats the question. A question on how something ended is quoted
//! the sentence of closing even from another passage of the article than the one
//! ranked, since the closing words of a speech seldom sit with its occasion.

use std::sync::LazyLock;

use rustc_hash::{FxHashMap, FxHashSet};

/// The kind of answer a question wants.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Asks {
    /// An amount: "how many", "how much", "скільки", "сколько".
    Number,
    /// A date or time: "when", "what year", "коли", "когда".
    Time,
    /// A person, organisation or place: "who", "whom", "where", "хто", "де", "кто", "где".
    Name,
    /// A reason: "why", "чому", "почему".
    Reason,
    /// Several names: "which countries", "які країни", "какие страны".
    List,
    /// How something ended: "how did … end", "чим завершилася", "чем закончился".
    Ending,
    /// Nothing in particular (or a question without a question word).
    #[default]
    Anything,
}

/// Phrases that set the kind, matched on the question's lowercased words; the first
/// that matches wins, so longer phrases come first.
const CUES: &[(&[&str], Asks)] = &[
    (&["how", "many"], Asks::Number),
    (&["how", "much"], Asks::Number),
    (&["how", "long"], Asks::Number),
    (&["how", "old"], Asks::Number),
    (&["what", "percentage"], Asks::Number),
    (&["what", "percent"], Asks::Number),
    (&["what", "share"], Asks::Number),
    (&["what", "proportion"], Asks::Number),
    (&["what", "fraction"], Asks::Number),
    (&["який", "відсоток"], Asks::Number),
    (&["яку", "частку"], Asks::Number),
    (&["какой", "процент"], Asks::Number),
    (&["какую", "долю"], Asks::Number),
    (&["what", "year"], Asks::Time),
    (&["which", "year"], Asks::Time),
    (&["what", "date"], Asks::Time),
    (&["what", "century"], Asks::Time),
    (&["в", "якому", "році"], Asks::Time),
    (&["якого", "року"], Asks::Time),
    (&["в", "каком", "году"], Asks::Time),
    (&["какого", "года"], Asks::Time),
    (&["скільки"], Asks::Number),
    (&["сколько"], Asks::Number),
    (&["when"], Asks::Time),
    (&["коли"], Asks::Time),
    (&["когда"], Asks::Time),
    (&["who"], Asks::Name),
    (&["whom"], Asks::Name),
    (&["whose"], Asks::Name),
    (&["where"], Asks::Name),
    (&["хто"], Asks::Name),
    (&["кого"], Asks::Name),
    (&["кому"], Asks::Name),
    (&["чий"], Asks::Name),
    (&["чия"], Asks::Name),
    (&["де"], Asks::Name),
    (&["кто"], Asks::Name),
    (&["кому"], Asks::Name),
    (&["чей"], Asks::Name),
    (&["где"], Asks::Name),
    (&["why"], Asks::Reason),
    (&["чому"], Asks::Reason),
    (&["навіщо"], Asks::Reason),
    (&["почему"], Asks::Reason),
    (&["зачем"], Asks::Reason),
];

/// Words that introduce a reason, lowercased.
const REASON_WORDS: &[&str] = &[
    "because",
    "since",
    "due",
    "owing",
    "thanks",
    "so",
    "therefore",
    "reason",
    "result",
    "order",
    "бо",
    "тому",
    "через",
    "оскільки",
    "адже",
    "щоб",
    "внаслідок",
    "завдяки",
    "потому",
    "из-за",
    "так",
    "поскольку",
    "чтобы",
    "благодаря",
    "вследствие",
];

/// Words that name an amount, lowercased.
const NUMBER_WORDS: &[&str] = &[
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "dozen",
    "dozens",
    "hundred",
    "hundreds",
    "thousand",
    "thousands",
    "million",
    "millions",
    "billion",
    "billions",
    "half",
    "percent",
    "один",
    "одна",
    "два",
    "дві",
    "три",
    "чотири",
    "п'ять",
    "десять",
    "сто",
    "тисяча",
    "тисячі",
    "тисяч",
    "мільйон",
    "мільйони",
    "мільйонів",
    "мільярд",
    "мільярдів",
    "відсотків",
    "четыре",
    "пять",
    "тысяча",
    "тысячи",
    "тысяч",
    "миллион",
    "миллиона",
    "миллионов",
    "миллиард",
    "миллиардов",
    "процентов",
];

/// Words that name a time, lowercased (months, days, seasons, time words).
const TIME_WORDS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "yesterday",
    "today",
    "tomorrow",
    "century",
    "decade",
    "spring",
    "summer",
    "autumn",
    "winter",
    "morning",
    "evening",
    "night",
    "week",
    "month",
    "year",
    "years",
    "ago",
    "later",
    "січня",
    "лютого",
    "березня",
    "квітня",
    "травня",
    "червня",
    "липня",
    "серпня",
    "вересня",
    "жовтня",
    "листопада",
    "грудня",
    "січні",
    "лютому",
    "березні",
    "квітні",
    "травні",
    "червні",
    "липні",
    "серпні",
    "вересні",
    "жовтні",
    "листопаді",
    "грудні",
    "вчора",
    "сьогодні",
    "завтра",
    "році",
    "року",
    "років",
    "столітті",
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
    "вчера",
    "сегодня",
    "году",
    "года",
    "лет",
    "веке",
];

/// Question words that, with an ending verb ([`ENDING_STEMS`]) anywhere after
/// them, ask how something ended: "how did the talks end", "чим завершилася
/// зустріч", "чем закончился визит".
const ENDING_QUESTION_WORDS: &[&str] = &["how", "як", "чим", "как", "чем"];

/// The verbs (and nouns) of ending in a question, lowercased: English words
/// whole ("endure" is not "end"), Cyrillic ones by their opening, which every
/// form shares ("завершив", "завершилася", "закончился").
const ENDING_STEMS: &[&str] = &[
    "end",
    "ended",
    "ending",
    "ends",
    "conclude",
    "concluded",
    "concluding",
    "conclusion",
    "finish",
    "finished",
    "close",
    "closed",
    "wrap",
    "заверш",
    "закінч",
    "законч",
];

/// Words that say a sentence closes something, lowercased: the closing words of a
/// speech are introduced or followed by one ("He closed with …", "… Rutte
/// concluded.").
const ENDING_WORDS: &[&str] = &[
    "closed",
    "concluded",
    "ended",
    "finished",
    "wrapped",
    "final",
    "finally",
    "lastly",
    "conclusion",
    "concluding",
    "завершив",
    "завершила",
    "завершилася",
    "завершилась",
    "закінчив",
    "закінчила",
    "закінчилася",
    "закінчилась",
    "наостанок",
    "насамкінець",
    "наприкінці",
    "підсумовуючи",
    "завершил",
    "завершилось",
    "закончил",
    "закончила",
    "закончилась",
    "закончилось",
    "напоследок",
    "заключение",
];

/// Question words that, followed closely by a noun in the plural, ask for several
/// names: "which countries", "what four states", "які країни".
const LIST_QUESTION_WORDS: &[&str] = &["which", "what", "які", "яких", "какие", "каких"];

/// Plural nouns of Ukrainian and Russian that ask for names after
/// [`LIST_QUESTION_WORDS`] (English plurals are told by their ending).
const LIST_NOUNS: &[&str] =
    &["країни", "країн", "держави", "держав", "міста", "страны", "стран", "государства", "города"];

/// Where each cue of [`CUES`] is, by its first word.
static CUES_BY_FIRST_WORD: LazyLock<FxHashMap<&'static str, Vec<usize>>> = LazyLock::new(|| {
    let mut by_first: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    for (at, (phrase, _)) in CUES.iter().enumerate() {
        by_first.entry(phrase[0]).or_default().push(at);
    }
    by_first
});

/// What `question` asks for.
pub fn asks(question: &str) -> Asks {
    asks_and_words(question).0
}

/// What `question` asks for, and its words, lowercased: what a sentence must
/// offer beyond ([`Asks::offered_by`]).
pub fn asks_and_words(question: &str) -> (Asks, Vec<String>) {
    let typed: Vec<&str> =
        question.split(|c: char| !c.is_alphanumeric() && c != '\'').filter(|w| !w.is_empty()).collect();
    let words: Vec<String> = typed.iter().map(|w| w.to_lowercase()).collect();
    let kind = kind_of(&typed, &words);
    (kind, words)
}

/// The kind of answer asked for by a question's words, as typed and lowercased.
fn kind_of(typed: &[&str], words: &[String]) -> Asks {
    // The first cue (in the order of CUES) that the question's words hold; cues are
    // found by their first word.
    let mut first: Option<usize> = None;
    for (at, word) in words.iter().enumerate() {
        for &cue in CUES_BY_FIRST_WORD.get(word.as_str()).into_iter().flatten() {
            let phrase = CUES[cue].0;
            if first.is_none_or(|f| cue < f)
                && words.len() - at >= phrase.len()
                && words[at..].iter().zip(phrase).all(|(a, b)| a == b)
            {
                first = Some(cue);
            }
        }
    }
    if let Some(cue) = first {
        return CUES[cue].1;
    }
    let at = |list: &[&str]| words.iter().position(|w| list.contains(&w.as_str()));
    // "How close" asks for a distance, not an ending.
    if let Some(i) = at(ENDING_QUESTION_WORDS)
        && words.get(i + 1).is_none_or(|w| w != "close")
        && words[i + 1..].iter().any(|w| ends_something(w))
    {
        return Asks::Ending;
    }
    // The noun right after the question word (past a number: "what two
    // artists"), typed in lower case: "which Broncos player" asks for one.
    if let Some(i) = at(LIST_QUESTION_WORDS)
        && let Some(noun) = typed.iter().skip(i + 1).find(|w| !is_count(&w.to_lowercase()))
        && !noun.starts_with(char::is_uppercase)
        && plural_noun(&noun.to_lowercase())
    {
        return Asks::List;
    }
    Asks::Anything
}

/// Whether a question's word is a verb or noun of ending ([`ENDING_STEMS`]): a
/// whole English word, or a Cyrillic word's opening.
fn ends_something(word: &str) -> bool {
    ENDING_STEMS.iter().any(|stem| if stem.is_ascii() { word == *stem } else { word.starts_with(stem) })
}

/// Whether a question's word (lowercased) is a count that may stand between a
/// question word and its noun ("which four countries").
fn is_count(word: &str) -> bool {
    word == "several" || NUMBERS.words.contains(word)
}

/// Whether a question's word (lowercased) is a noun in the plural that names
/// things: "countries", "states", "країни"; not "is", "was", "does", "us".
fn plural_noun(word: &str) -> bool {
    if LIST_NOUNS.contains(&word) {
        return true;
    }
    word.len() > 3
        && word.is_ascii()
        && word.ends_with('s')
        && !word.ends_with("ss")
        && !word.ends_with("us")
        && !word.ends_with("is")
        && !word.ends_with("'s")
        && !matches!(word, "does" | "was" | "has" | "this" | "thus" | "whereas" | "always" | "perhaps")
}

impl Asks {
    /// Whether `sentence` holds what is asked for, beyond what the question says:
    /// words already in the question (`asked`, lowercased) do not count.
    pub fn offered_by(self, sentence: &str, asked: &[String]) -> bool {
        match self {
            Asks::Anything => return false,
            Asks::List => return offers_list(sentence, asked),
            _ => {}
        }
        let mut first = true;
        let mut lower = String::new();
        for word in answer_words(sentence) {
            let at_start = std::mem::replace(&mut first, false);
            // The cheap tests on the word as written come first: most words offer
            // nothing and are never lowercased.
            let listed = |list: &Listed, lower: &mut String| list.holds(word, lower);
            let offered = match self {
                Asks::Number => word.bytes().any(|b| b.is_ascii_digit()) || listed(&NUMBERS, &mut lower),
                Asks::Time => {
                    (word.len() <= 6 && word.bytes().filter(u8::is_ascii_digit).count() == 4)
                        || listed(&TIMES, &mut lower)
                }
                Asks::Name => !at_start && word.chars().next().is_some_and(char::is_uppercase),
                Asks::Reason => listed(&REASONS, &mut lower),
                Asks::Ending => listed(&ENDINGS, &mut lower),
                Asks::List | Asks::Anything => false,
            };
            if offered {
                let word = lowercase(word, &mut lower);
                if !asked.iter().any(|a| a == word) {
                    return true;
                }
            }
        }
        false
    }
}

/// Conjunctions that join the names of a list, lowercased.
const LIST_CONJUNCTIONS: &[&str] = &["and", "or", "та", "і", "й", "и", "або", "или"];

/// Whether `sentence` lists names the question does not give (`asked`,
/// lowercased): two capitalised words or runs of them ("North Korea"), not the
/// sentence's first word, with only a comma or a conjunction between them
/// ("China, Iran, and North Korea", "Vilnius and Washington").
fn offers_list(sentence: &str, asked: &[String]) -> bool {
    let mut lower = String::new();
    // Where the last name ended, while a list could go on from it.
    let mut name_end: Option<usize> = None;
    let mut first = true;
    let mut start = None;
    for (at, c) in sentence.char_indices().chain(std::iter::once((sentence.len(), ' '))) {
        let in_word = c.is_alphanumeric() || c == '\'' || c == '-';
        match (start, in_word) {
            (None, true) => start = Some(at),
            (Some(from), false) => {
                start = None;
                let word = &sentence[from..at];
                let at_start = std::mem::replace(&mut first, false);
                let capitalised = !at_start && word.chars().next().is_some_and(char::is_uppercase);
                if !capitalised {
                    continue;
                }
                if asked.iter().any(|a| a == lowercase(word, &mut lower)) {
                    name_end = None;
                    continue;
                }
                if let Some(end) = name_end {
                    let between = &sentence[end..from];
                    let joint = between.trim_matches(|c: char| c == ',' || c.is_whitespace());
                    let listed = between.contains(',') || !joint.is_empty();
                    if listed && (joint.is_empty() || LIST_CONJUNCTIONS.contains(&joint)) {
                        return true;
                    }
                }
                name_end = Some(at);
            }
            _ => {}
        }
    }
    false
}

/// The words of a sentence as [`Asks::offered_by`] reads them: runs of letters,
/// digits, apostrophes and hyphens. ASCII is read byte by byte.
fn answer_words(sentence: &str) -> impl Iterator<Item = &str> {
    let bytes = sentence.as_bytes();
    let in_word = |at: usize| -> Option<(bool, usize)> {
        let &b = bytes.get(at)?;
        if b.is_ascii() {
            return Some((b.is_ascii_alphanumeric() || b == b'\'' || b == b'-', 1));
        }
        let c = sentence[at..].chars().next()?;
        Some((c.is_alphanumeric(), c.len_utf8()))
    };
    let mut pos = 0;
    std::iter::from_fn(move || {
        let start = loop {
            let (word, len) = in_word(pos)?;
            if word {
                break pos;
            }
            pos += len;
        };
        while let Some((true, len)) = in_word(pos) {
            pos += len;
        }
        Some(&sentence[start..pos])
    })
}

/// An answer-type list: every word of every sentence weighed for an excerpt may
/// be looked up, so the bytes its words open with (in either case) are kept, and
/// most words are passed over without being lowercased.
struct Listed {
    words: FxHashSet<&'static str>,
    openings: [bool; 256],
}

impl Listed {
    fn new(words: impl IntoIterator<Item = &'static str>) -> Listed {
        let words: FxHashSet<&'static str> = words.into_iter().collect();
        let mut openings = [false; 256];
        for word in &words {
            let first = word.chars().next().into_iter();
            for opening in
                first.clone().flat_map(char::to_lowercase).chain(first.flat_map(char::to_uppercase))
            {
                let mut buf = [0; 4];
                openings[usize::from(opening.encode_utf8(&mut buf).as_bytes()[0])] = true;
            }
        }
        Listed { words, openings }
    }

    /// Whether `word`, lowercased (in `buf` if need be), is on the list.
    fn holds(&self, word: &str, buf: &mut String) -> bool {
        word.len() <= LISTED_WORD_BYTES
            && word.as_bytes().first().is_some_and(|&b| self.openings[usize::from(b)])
            && self.words.contains(lowercase(word, buf))
    }
}

/// The amount words, with every case of the Ukrainian and Russian number words
/// ("чотирьох", "четырьмя").
static NUMBERS: LazyLock<Listed> =
    LazyLock::new(|| Listed::new(NUMBER_WORDS.iter().copied().chain(super::stem::cyrillic_number_words())));
static TIMES: LazyLock<Listed> = LazyLock::new(|| Listed::new(TIME_WORDS.iter().copied()));
static REASONS: LazyLock<Listed> = LazyLock::new(|| Listed::new(REASON_WORDS.iter().copied()));
static ENDINGS: LazyLock<Listed> = LazyLock::new(|| Listed::new(ENDING_WORDS.iter().copied()));

/// No word of the answer-type lists is longer than this, in bytes.
const LISTED_WORD_BYTES: usize = 32;

/// `word` lowercased: itself when it is lower-case ASCII already, else copied
/// into `buf` and lowercased there.
fn lowercase<'a>(word: &'a str, buf: &'a mut String) -> &'a str {
    if word.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        return word;
    }
    buf.clear();
    if word.is_ascii() {
        buf.push_str(word);
        buf.make_ascii_lowercase();
    } else {
        buf.extend(word.chars().flat_map(char::to_lowercase));
    }
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_listed_word_is_longer_than_the_bound_words_are_checked_against() {
        let cyrillic = super::super::stem::cyrillic_number_words();
        for word in NUMBER_WORDS
            .iter()
            .chain(TIME_WORDS)
            .chain(REASON_WORDS)
            .chain(ENDING_WORDS)
            .copied()
            .chain(cyrillic)
        {
            assert!(word.len() <= LISTED_WORD_BYTES, "{word}");
        }
    }

    #[test]
    fn question_words_set_the_kind_in_three_languages() {
        let table = [
            ("How many missiles did Ukraine receive through PURL", Asks::Number),
            ("скільки ракет отримала Україна", Asks::Number),
            ("What share of the missiles came through PURL", Asks::Number),
            ("який відсоток території звільнила Україна", Asks::Number),
            ("какую долю территории вернула Украина", Asks::Number),
            ("сколько ракет получила Украина", Asks::Number),
            ("When did Rutte visit Kyiv?", Asks::Time),
            ("what year was the treaty signed", Asks::Time),
            ("коли Рютте приїхав до Києва", Asks::Time),
            ("в каком году подписан договор", Asks::Time),
            ("Who said winter is long", Asks::Name),
            ("хто очолює місію", Asks::Name),
            ("кто возглавляет миссию", Asks::Name),
            ("where are the peacekeepers", Asks::Name),
            ("Why did the talks stall?", Asks::Reason),
            ("чому переговори зупинилися", Asks::Reason),
            ("почему переговоры остановились", Asks::Reason),
            ("Which countries keep supporting Moscow", Asks::List),
            ("what four states oppose kyiv joining", Asks::List),
            ("які країни підтримують москву", Asks::List),
            ("какие страны поддерживают Москву", Asks::List),
            ("Which Carolina Panthers player was named MVP", Asks::Anything),
            ("which year was the treaty signed", Asks::Time),
            ("How did Rutte end his speech", Asks::Ending),
            ("how did the talks conclude", Asks::Ending),
            ("чим завершилася зустріч у Брюсселі", Asks::Ending),
            ("як закінчився виступ Рютте", Asks::Ending),
            ("чем закончился визит Рютте", Asks::Ending),
            ("how close is Russia to a deal", Asks::Anything),
            ("When did the war end", Asks::Time),
            ("Rutte peacekeepers", Asks::Anything),
            ("What did Chernyev say about peacekeepers?", Asks::Anything),
        ];
        for (question, kind) in table {
            assert_eq!(asks(question), kind, "{question}");
        }
    }

    #[test]
    fn answer_words_are_runs_of_letters_digits_apostrophes_and_hyphens() {
        for sentence in [
            "NATO's 75% share, in 2025 -- said Rutte.",
            "Україна отримала 75% ракет, — сказав Рютте; «об'єднання»",
            "Ciarán’s e\u{301}lan 😀 x-ray '' - end",
            "",
        ] {
            let by_char: Vec<&str> = sentence
                .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
                .filter(|w| !w.is_empty())
                .collect();
            assert_eq!(answer_words(sentence).collect::<Vec<_>>(), by_char, "{sentence}");
        }
    }

    #[test]
    fn a_sentence_offers_the_kind_only_beyond_the_question() {
        let asked = |q: &str| q.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>();
        let q = asked("how many missiles did ukraine receive");
        assert!(Asks::Number.offered_by("Ukraine received 75% of its missiles.", &q));
        assert!(Asks::Number.offered_by("Ukraine received three hundred missiles.", &q));
        // List words as written in any case, in both scripts.
        assert!(Asks::Number.offered_by("Ukraine received THREE batteries.", &q));
        assert!(Asks::Number.offered_by("Україна отримала Тисячі ракет.", &q));
        // Number words in any case.
        assert!(Asks::Number.offered_by("Проти членства виступили у чотирьох країнах.", &q));
        assert!(Asks::Number.offered_by("Проект поддержали двадцатью пятью голосами.", &q));
        assert!(!Asks::Number.offered_by("Ukraine received missiles.", &q));
        assert!(Asks::Time.offered_by("The treaty was signed in 1949.", &q));
        assert!(Asks::Time.offered_by("Рютте приїхав до Києва 3 лютого.", &q));
        assert!(!Asks::Time.offered_by("The treaty was signed.", &q));
        let q = asked("who leads the mission");
        assert!(Asks::Name.offered_by("The mission is led by Yehor Chernyev.", &q));
        assert!(!Asks::Name.offered_by("The mission is led by the deputy.", &q));
        assert!(Asks::Reason.offered_by("The talks stalled because Russia refused.", &q));
        assert!(Asks::Reason.offered_by("Переговори зупинилися, бо Росія відмовилася.", &q));
        assert!(!Asks::Anything.offered_by("Anything at all 1949.", &q));
        let q = asked("which countries support moscow");
        assert!(Asks::List.offered_by("Russia gets support from China, Iran, and North Korea.", &q));
        assert!(Asks::List.offered_by("Summits in Vilnius and Washington said so.", &q));
        assert!(Asks::List.offered_by("Його підтримують Китай, Іран та КНДР.", &q));
        assert!(!Asks::List.offered_by("NATO Secretary General Mark Rutte visited Kyiv.", &q));
        assert!(!Asks::List.offered_by("Rutte met Zelensky in Kyiv and spoke to parliament.", &q));
        let q = asked("how did rutte end his speech");
        assert!(Asks::Ending.offered_by("He closed with a message of endurance:", &q));
        assert!(Asks::Ending.offered_by("\"We must be clear,\" Mark Rutte concluded.", &q));
        assert!(Asks::Ending.offered_by("У Брюсселі завершилася зустріч делегації.", &q));
        assert!(!Asks::Ending.offered_by("After the war ends, peace must endure.", &q));
    }
}
