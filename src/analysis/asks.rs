//! What a question asks for, from its question words (English, Ukrainian, Russian),
//! and whether a sentence offers that kind of thing: a number for "how many", a
//! date for "when", a name for "who", a reason for "why".
//!
//! Excerpt choice uses it to prefer, among sentences that match the question's
//! words about as well, the one that holds what was asked for rather than the one
//! that only repeats the question.

use std::sync::LazyLock;

use rustc_hash::FxHashSet;

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

/// What `question` asks for.
pub fn asks(question: &str) -> Asks {
    let words: Vec<String> = question
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    for (phrase, kind) in CUES {
        if words.windows(phrase.len()).any(|w| w.iter().zip(phrase.iter()).all(|(a, b)| a == b)) {
            return *kind;
        }
    }
    Asks::Anything
}

impl Asks {
    /// Whether `sentence` holds what is asked for, beyond what the question says:
    /// words already in the question (`asked`, lowercased) do not count.
    pub fn offered_by(self, sentence: &str, asked: &[String]) -> bool {
        if self == Asks::Anything {
            return false;
        }
        let mut first = true;
        let mut lower = String::new();
        for word in sentence.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-') {
            if word.is_empty() {
                continue;
            }
            let at_start = std::mem::replace(&mut first, false);
            // The cheap tests on the word as written come first: most words offer
            // nothing and are never lowercased.
            let listed = |list: &Listed, lower: &mut String| {
                word.len() <= LISTED_WORD_BYTES && list.contains(lowercase(word, lower))
            };
            let offered = match self {
                Asks::Number => word.bytes().any(|b| b.is_ascii_digit()) || listed(&NUMBERS, &mut lower),
                Asks::Time => {
                    (word.len() <= 6 && word.bytes().filter(u8::is_ascii_digit).count() == 4)
                        || listed(&TIMES, &mut lower)
                }
                Asks::Name => !at_start && word.chars().next().is_some_and(char::is_uppercase),
                Asks::Reason => listed(&REASONS, &mut lower),
                Asks::Anything => false,
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

/// An answer-type list as a set: every word of every sentence shown is looked up.
type Listed = LazyLock<FxHashSet<&'static str>>;

static NUMBERS: Listed = LazyLock::new(|| NUMBER_WORDS.iter().copied().collect());
static TIMES: Listed = LazyLock::new(|| TIME_WORDS.iter().copied().collect());
static REASONS: Listed = LazyLock::new(|| REASON_WORDS.iter().copied().collect());

/// No word of the answer-type lists is longer than this, in bytes.
const LISTED_WORD_BYTES: usize = 24;

/// `word` lowercased: itself when it is lower-case ASCII already, else copied
/// into `buf` and lowercased there.
fn lowercase<'a>(word: &'a str, buf: &'a mut String) -> &'a str {
    if word.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        return word;
    }
    buf.clear();
    buf.extend(word.chars().flat_map(char::to_lowercase));
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_listed_word_is_longer_than_the_bound_words_are_checked_against() {
        for word in NUMBER_WORDS.iter().chain(TIME_WORDS).chain(REASON_WORDS) {
            assert!(word.len() <= LISTED_WORD_BYTES, "{word}");
        }
    }

    #[test]
    fn question_words_set_the_kind_in_three_languages() {
        let table = [
            ("How many missiles did Ukraine receive through PURL", Asks::Number),
            ("скільки ракет отримала Україна", Asks::Number),
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
            ("Rutte peacekeepers", Asks::Anything),
            ("What did Chernyev say about peacekeepers?", Asks::Anything),
        ];
        for (question, kind) in table {
            assert_eq!(asks(question), kind, "{question}");
        }
    }

    #[test]
    fn a_sentence_offers_the_kind_only_beyond_the_question() {
        let asked = |q: &str| q.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>();
        let q = asked("how many missiles did ukraine receive");
        assert!(Asks::Number.offered_by("Ukraine received 75% of its missiles.", &q));
        assert!(Asks::Number.offered_by("Ukraine received three hundred missiles.", &q));
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
    }
}
