//! One word to its term: normalised (case, apostrophes, Latin folded to ASCII),
//! stemmed by script, and whether it is a stopword.

use std::sync::LazyLock;

use frostem::{Algorithm, Stemmer};

use super::Script;
use super::words::{is_apostrophe, is_joiner};

/// Lowercases `raw` into `out`, drops the dots of acronyms and the commas of numbers,
/// unifies apostrophes and folds Latin diacritics; returns the word's script.
pub(super) fn normalise(raw: &str, out: &mut String) -> Script {
    // Most words are plain ASCII letters and digits: lowercased in place.
    if raw.bytes().all(|b| b.is_ascii_alphanumeric()) {
        let from = out.len();
        out.push_str(raw);
        out.as_mut_str()[from..].make_ascii_lowercase();
        return if raw.bytes().any(|b| b.is_ascii_alphabetic()) { Script::Latin } else { Script::Number };
    }
    let mut script = Script::Other;
    for c in raw.chars() {
        if script == Script::Other || script == Script::Number {
            if is_cyrillic(c) {
                script = Script::Cyrillic;
            } else if c.is_ascii_alphabetic() || is_latin(c) {
                script = Script::Latin;
            } else if c.is_numeric() && script == Script::Other {
                script = Script::Number;
            }
        }
        match c {
            ',' => {}
            '.' if !raw.starts_with(|c: char| c.is_ascii_digit()) => {}
            c if is_apostrophe(c) => out.push('\''),
            c if is_joiner(c) => {}
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            // Russian writes ё or е for the same letter.
            'ё' | 'Ё' => out.push('е'),
            c => out.extend(c.to_lowercase()),
        }
    }
    if script == Script::Latin && !out.is_ascii() {
        let folded = fold_latin(out);
        *out = folded;
    }
    script
}

/// English number words and the digits they are written as: news prose spells out
/// "four countries" where a reader types "4 countries". "One" is left a word: it is
/// as often a pronoun ("no one", "one of them").
const SPELLED_NUMBERS: [(&str, &str); 27] = [
    ("zero", "0"),
    ("two", "2"),
    ("three", "3"),
    ("four", "4"),
    ("five", "5"),
    ("six", "6"),
    ("seven", "7"),
    ("eight", "8"),
    ("nine", "9"),
    ("ten", "10"),
    ("eleven", "11"),
    ("twelve", "12"),
    ("thirteen", "13"),
    ("fourteen", "14"),
    ("fifteen", "15"),
    ("sixteen", "16"),
    ("seventeen", "17"),
    ("eighteen", "18"),
    ("nineteen", "19"),
    ("twenty", "20"),
    ("thirty", "30"),
    ("forty", "40"),
    ("fifty", "50"),
    ("sixty", "60"),
    ("seventy", "70"),
    ("eighty", "80"),
    ("ninety", "90"),
];

/// The digits of an English number word (lowercased), see [`SPELLED_NUMBERS`].
pub(super) fn number_of_word(word: &str) -> Option<&'static str> {
    SPELLED_NUMBERS.iter().find(|(w, _)| *w == word).map(|&(_, digits)| digits)
}

/// Ukrainian and Russian number words in every case (the forms pymorphy3's
/// dictionaries give), as [`normalise`] spells them (ё as е, any apostrophe as
/// `'`), and their digits: "чотирьох країн" and "четырьмя странами" meet
/// "4 країни" and the English "four countries". Left out, as "one" is: the forms
/// of "один", and those that are also another word ("семью", a family; "сьома",
/// the seventh).
const CYRILLIC_NUMBERS: [(&str, &str); 27] = [
    ("2", "два дві двох двом двома две двух двум двумя"),
    ("3", "три трьох трьом трьома трех трем тремя"),
    ("4", "чотири чотирьох чотирьом чотирма четыре четырех четырем четырьмя"),
    ("5", "п'ять п'яти п'ятьох п'ятьом п'ятьма п'ятьома пять пяти пятью"),
    ("6", "шість шести шістьох шістьом шістьма шістьома шесть шестью"),
    ("7", "сім семи сімох сімом сімома семь"),
    ("8", "вісім восьми вісьмох вісьмом вісьма вісьмома восемь восемью восьмью"),
    ("9", "дев'ять дев'яти дев'ятьох дев'ятьом дев'ятьма дев'ятьома девять девяти девятью"),
    ("10", "десять десяти десятьох десятьом десятьма десятьома десятью"),
    (
        "11",
        "одинадцять одинадцяти одиннадцать одиннадцати одинадцятьох одинадцятьом одинадцятьма одинадцятьома одиннадцатью",
    ),
    (
        "12",
        "дванадцять дванадцяти двенадцать двенадцати дванадцятьох дванадцятьом дванадцятьма дванадцятьома двенадцатью",
    ),
    (
        "13",
        "тринадцять тринадцяти тринадцать тринадцати тринадцятьох тринадцятьом тринадцятьма тринадцятьома тринадцатью",
    ),
    (
        "14",
        "чотирнадцять чотирнадцяти четырнадцать четырнадцати чотирнадцятьох чотирнадцятьом чотирнадцятьма чотирнадцятьома четырнадцатью",
    ),
    (
        "15",
        "п'ятнадцять п'ятнадцяти пятнадцать пятнадцати п'ятнадцятьох п'ятнадцятьом п'ятнадцятьма п'ятнадцятьома пятнадцатью",
    ),
    (
        "16",
        "шістнадцять шістнадцяти шестнадцать шестнадцати шістнадцятьох шістнадцятьом шістнадцятьма шістнадцятьома шестнадцатью",
    ),
    (
        "17",
        "сімнадцять сімнадцяти семнадцать семнадцати сімнадцятьох сімнадцятьом сімнадцятьма сімнадцятьома семнадцатью",
    ),
    (
        "18",
        "вісімнадцять вісімнадцяти восемнадцать восемнадцати вісімнадцятьох вісімнадцятьом вісімнадцятьма вісімнадцятьома восемнадцатью",
    ),
    (
        "19",
        "дев'ятнадцять дев'ятнадцяти девятнадцать девятнадцати дев'ятнадцятьох дев'ятнадцятьом дев'ятнадцятьма дев'ятнадцятьома девятнадцатью",
    ),
    ("20", "двадцять двадцяти двадцятьох двадцать двадцати двадцатью двадцятьом двадцятьма двадцятьома"),
    ("30", "тридцять тридцяти тридцятьох тридцать тридцати тридцатью тридцятьом тридцятьма тридцятьома"),
    ("40", "сорок сорока"),
    (
        "50",
        "п'ятдесят п'ятдесяти пятьдесят пятидесяти п'ятдесятьох п'ятдесятьом п'ятдесятьма п'ятдесятьома пятьюдесятью",
    ),
    (
        "60",
        "шістдесят шістдесяти шестьдесят шестидесяти шістдесятьох шістдесятьом шістдесятьма шістдесятьома шестьюдесятью",
    ),
    (
        "70",
        "сімдесят сімдесяти семьдесят семидесяти сімдесятьох сімдесятьом сімдесятьма сімдесятьома семьюдесятью",
    ),
    (
        "80",
        "вісімдесят вісімдесяти восемьдесят восьмидесяти вісімдесятьох вісімдесятьом вісімдесятьма вісімдесятьома восемьюдесятью восьмьюдесятью",
    ),
    ("90", "дев'яносто дев'яноста девяносто девяноста"),
    ("100", "сто ста"),
];

/// Every form of [`CYRILLIC_NUMBERS`].
pub(super) fn cyrillic_number_words() -> impl Iterator<Item = &'static str> {
    CYRILLIC_NUMBERS.iter().flat_map(|(_, forms)| forms.split(' '))
}

/// The digits of a Ukrainian or Russian number word (normalised), see
/// [`CYRILLIC_NUMBERS`].
pub(super) fn number_of_cyrillic_word(word: &str) -> Option<&'static str> {
    CYRILLIC_NUMBERS
        .iter()
        .find(|(_, forms)| forms.split(' ').any(|form| form == word))
        .map(|&(digits, _)| digits)
}

/// The English word a number's term may be written as ("4": "four").
pub(crate) fn word_of_number(digits: &str) -> Option<&'static str> {
    SPELLED_NUMBERS.iter().find(|(_, d)| *d == digits).map(|&(word, _)| word)
}

pub(super) fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}' | '\u{0500}'..='\u{052F}')
}

pub(super) fn is_latin(c: char) -> bool {
    matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}')
}

/// Folds Latin letters with diacritics to ASCII ("Ciarán" → "ciaran"), using tantivy's
/// table so that it matches the rest of the ecosystem.
fn fold_latin(word: &str) -> String {
    use tantivy::tokenizer::{AsciiFoldingFilter, RawTokenizer, TextAnalyzer};
    thread_local! {
        static FOLDER: std::cell::RefCell<TextAnalyzer> = std::cell::RefCell::new(
            TextAnalyzer::builder(RawTokenizer::default()).filter(AsciiFoldingFilter).build(),
        );
    }
    FOLDER.with(|folder| {
        let mut folder = folder.borrow_mut();
        let mut stream = folder.token_stream(word);
        match stream.next() {
            Some(token) => token.text.clone(),
            None => word.to_owned(),
        }
    })
}

/// The language a Cyrillic word is stemmed in when its own letters do not tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cyrillic {
    Ukrainian,
    Russian,
}

/// The Cyrillic language of a text: Russian when its Russian-only letters (ы э ё ъ)
/// and Russian function words outweigh the Ukrainian-only letters (і ї є ґ) and
/// Ukrainian function words, else Ukrainian. The words count three letters each,
/// so a short question without telling letters ("сколько ракет получила Украина")
/// is still told apart.
pub(super) fn cyrillic_of(text: &str, words: &[(usize, usize)]) -> Cyrillic {
    // Cyrillic letters are encoded with a lead byte of 0xD0 to 0xD4; a text
    // without one (most Latin text with a curly quote) has nothing to weigh.
    if !text.bytes().any(|b| (0xD0..=0xD4).contains(&b)) {
        return Cyrillic::Ukrainian;
    }
    let (mut ukrainian, mut russian) = (0usize, 0usize);
    for c in text.chars().take(20_000) {
        match c {
            'і' | 'ї' | 'є' | 'ґ' | 'І' | 'Ї' | 'Є' | 'Ґ' => ukrainian += 1,
            'ы' | 'э' | 'ё' | 'ъ' | 'Ы' | 'Э' | 'Ё' | 'Ъ' => russian += 1,
            _ => {}
        }
    }
    let mut lower = String::new();
    for &(start, end) in words.iter().take(2_000) {
        let word = &text[start..end];
        if word.len() > 24 || word.is_ascii() {
            continue;
        }
        lower.clear();
        lower.extend(word.chars().flat_map(char::to_lowercase));
        if RUSSIAN_ONLY_WORDS.contains(&lower.as_str()) {
            russian += 3;
        } else if UKRAINIAN_ONLY_WORDS.contains(&lower.as_str()) {
            ukrainian += 3;
        }
    }
    if russian > ukrainian { Cyrillic::Russian } else { Cyrillic::Ukrainian }
}

/// Function words found in Russian and not in Ukrainian.
const RUSSIAN_ONLY_WORDS: &[&str] = &[
    "что",
    "как",
    "это",
    "сколько",
    "когда",
    "где",
    "почему",
    "который",
    "которая",
    "которые",
    "он",
    "она",
    "они",
    "его",
    "ее",
    "был",
    "была",
    "были",
    "было",
    "или",
    "если",
    "еще",
    "уже",
    "только",
    "чтобы",
    "кто",
    "мы",
    "вы",
    "нет",
    "также",
    "этот",
    "эта",
    "эти",
    "после",
    "между",
];

/// Function words found in Ukrainian and not in Russian.
const UKRAINIAN_ONLY_WORDS: &[&str] = &[
    "що",
    "як",
    "це",
    "скільки",
    "коли",
    "де",
    "чому",
    "який",
    "яка",
    "які",
    "він",
    "вона",
    "вони",
    "його",
    "її",
    "був",
    "була",
    "були",
    "було",
    "або",
    "якщо",
    "ще",
    "вже",
    "тільки",
    "щоб",
    "хто",
    "ми",
    "ви",
    "ні",
    "також",
    "цей",
    "ця",
    "ці",
    "після",
    "між",
    "та",
];

/// Snowball English for Latin words; for Cyrillic ones, Snowball Ukrainian or Russian
/// (by the word's own letters, else its text's language) and the same light pass;
/// numbers and other scripts are kept as they are.
pub(super) fn stem(script: Script, word: &str, cyrillic: Cyrillic) -> String {
    static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::new(Algorithm::English));
    static UKRAINIAN: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::new(Algorithm::Ukrainian));
    static RUSSIAN: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::new(Algorithm::Russian));
    match script {
        Script::Latin => ENGLISH.stem(word).into_owned(),
        Script::Cyrillic => {
            let language = if word.contains(['і', 'ї', 'є', 'ґ']) {
                Cyrillic::Ukrainian
            } else if word.contains(['ы', 'э', 'ъ']) {
                Cyrillic::Russian
            } else {
                cyrillic
            };
            match language {
                Cyrillic::Ukrainian => cyrillic_stem(&UKRAINIAN, word),
                Cyrillic::Russian => cyrillic_stem(&RUSSIAN, word),
            }
        }
        Script::Number | Script::Other => word.to_owned(),
    }
}

/// Snowball (Ukrainian or Russian), then a light pass that folds what Snowball
/// leaves apart but a reader would call the same word: consonant alternation
/// ("безпека", "безпеці"), the noun and adjective of one root ("миротворці",
/// "миротворчого"), and the soft sign and apostrophe that inflection moves around.
/// Both languages get the same pass, so that their shared roots meet, and their
/// stems are spelled in one alphabet ([`fold_cyrillic`]).
fn cyrillic_stem(stemmer: &Stemmer, word: &str) -> String {
    let mut stem = stemmer.stem(word).into_owned();
    // Snowball Ukrainian takes only the -в off a surname in -єв ("Чернєв" →
    // "чернє"): it is given back, for the light pass to take the suffix whole.
    if word.strip_prefix(stem.as_str()).is_some_and(|rest| rest.starts_with('в'))
        && stem.ends_with(['о', 'е', 'є', 'і', 'и'])
    {
        stem.push('в');
    }
    fold_cyrillic(light_pass(stem))
}

/// One spelling for the letters Ukrainian and Russian write apart in one root:
/// і, ї and ы as и, є and э as е, ґ as г, and no hard sign. "Україн…" meets
/// "Украин…", "Єгор" "Егор" and "вибор…" "выбор…". Within one language the pairs
/// seldom tell two stems apart (BENCHMARKS.md has the count).
fn fold_cyrillic(stem: String) -> String {
    if !stem.contains(['і', 'ї', 'ы', 'є', 'э', 'ґ', 'ъ']) {
        return stem;
    }
    stem.chars()
        .filter(|&c| c != 'ъ')
        .map(|c| match c {
            'і' | 'ї' | 'ы' => 'и',
            'є' | 'э' => 'е',
            'ґ' => 'г',
            c => c,
        })
        .collect()
}

/// What Snowball leaves apart in a stem, folded (see [`cyrillic_stem`]).
fn light_pass(mut stem: String) -> String {
    // The fleeting vowel of -ець: "миротворець" has the stem of "миротворця".
    if stem.ends_with("ець") && stem.chars().count() >= 7 {
        stem.truncate(stem.len() - "ець".len());
        stem.push('ц');
    }
    stem.retain(|c| c != '\'' && c != 'ь');
    // Consonants that alternate or carry derivation at the end of a long stem:
    // к/ц/ч (безпека, безпеці; миротворець, миротворці, миротворчий) and the
    // adjective suffixes -ськ/-зьк/-цьк (the soft sign is already gone).
    const SUFFIXES: [&str; 6] = ["ск", "зк", "цк", "ц", "ч", "к"];
    // Surnames in -ов/-ев/-єв/-ів: Snowball Russian takes the suffix off the
    // nominative only ("Лавров" → "лавр", "Лаврова" → "лавров"), Snowball
    // Ukrainian off no case ("Чернєва" → "чернєв"; the -в it takes off "Чернєв"
    // is given back in `cyrillic_stem`): it goes everywhere.
    let chars = stem.chars().count();
    if chars >= 5 && stem.ends_with('в') {
        let before = stem[..stem.len() - 'в'.len_utf8()].chars().next_back();
        if let Some(vowel @ ('о' | 'е' | 'є' | 'і' | 'и')) = before {
            stem.truncate(stem.len() - 'в'.len_utf8() - vowel.len_utf8());
            return stem;
        }
    }
    if chars >= 6 {
        for suffix in SUFFIXES {
            if stem.ends_with(suffix) && chars - suffix.chars().count() >= 4 {
                stem.truncate(stem.len() - suffix.len());
                break;
            }
        }
    }
    stem
}

pub(super) fn is_stopword(word: &str) -> bool {
    static STOPWORDS: LazyLock<rustc_hash::FxHashSet<&'static str>> = LazyLock::new(|| {
        ENGLISH_STOPWORDS.iter().chain(UKRAINIAN_STOPWORDS).chain(RUSSIAN_STOPWORDS).copied().collect()
    });
    STOPWORDS.contains(word)
}

/// Function words of English questions and news prose. Question words are here too:
/// "what" and "who" say what kind of answer is wanted, not where it is.
const ENGLISH_STOPWORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been",
    "before", "being", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "during", "each",
    "for", "from", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i",
    "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "no", "nor", "not",
    "of", "off", "on", "once", "only", "or", "other", "our", "ours", "out", "over", "own", "same", "she",
    "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "then", "there",
    "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we",
    "were", "what", "when", "where", "which", "while", "who", "whom", "whose", "why", "will", "with",
    "would", "you", "your", "yours", "s", "t", "'s", "did", "does", "done", "say", "said", "says", "tell",
    "much", "many", "kind", "type", "name", "named",
];

/// Ukrainian function words and question words.
const UKRAINIAN_STOPWORDS: &[&str] = &[
    "а",
    "або",
    "але",
    "б",
    "без",
    "би",
    "був",
    "була",
    "були",
    "було",
    "бути",
    "в",
    "вам",
    "вас",
    "ви",
    "від",
    "він",
    "вона",
    "вони",
    "воно",
    "все",
    "всі",
    "де",
    "для",
    "до",
    "є",
    "ж",
    "же",
    "з",
    "за",
    "зі",
    "і",
    "із",
    "й",
    "його",
    "її",
    "їх",
    "коли",
    "котрий",
    "куди",
    "ледве",
    "лише",
    "між",
    "мене",
    "ми",
    "на",
    "над",
    "навіщо",
    "нам",
    "нас",
    "не",
    "неї",
    "ні",
    "них",
    "ну",
    "о",
    "об",
    "от",
    "очевидно",
    "по",
    "при",
    "про",
    "с",
    "та",
    "так",
    "також",
    "там",
    "те",
    "ти",
    "то",
    "тобто",
    "той",
    "ту",
    "у",
    "усі",
    "хто",
    "це",
    "цей",
    "ці",
    "цього",
    "цьому",
    "цю",
    "ця",
    "чи",
    "чого",
    "чому",
    "що",
    "щоб",
    "як",
    "яка",
    "який",
    "які",
    "якщо",
    "яких",
    "скільки",
    "сказав",
    "сказала",
    "каже",
    "казав",
];

/// Function words of Russian questions and news prose (Snowball's list without the
/// numbers), with the question words, as for the other languages.
const RUSSIAN_STOPWORDS: &[&str] = &[
    "и",
    "в",
    "во",
    "не",
    "что",
    "он",
    "на",
    "я",
    "с",
    "со",
    "как",
    "а",
    "то",
    "все",
    "она",
    "так",
    "его",
    "но",
    "да",
    "ты",
    "к",
    "у",
    "же",
    "вы",
    "за",
    "бы",
    "по",
    "только",
    "ее",
    "мне",
    "было",
    "вот",
    "от",
    "меня",
    "еще",
    "нет",
    "о",
    "из",
    "ему",
    "теперь",
    "когда",
    "даже",
    "ну",
    "ли",
    "если",
    "уже",
    "или",
    "ни",
    "быть",
    "был",
    "него",
    "до",
    "вас",
    "нибудь",
    "опять",
    "уж",
    "вам",
    "ведь",
    "там",
    "потом",
    "себя",
    "ничего",
    "ей",
    "может",
    "они",
    "тут",
    "где",
    "есть",
    "надо",
    "ней",
    "для",
    "мы",
    "тебя",
    "их",
    "чем",
    "была",
    "сам",
    "чтоб",
    "без",
    "будто",
    "чего",
    "раз",
    "тоже",
    "себе",
    "под",
    "будет",
    "ж",
    "тогда",
    "кто",
    "этот",
    "того",
    "потому",
    "этого",
    "какой",
    "ним",
    "здесь",
    "этом",
    "мой",
    "тем",
    "чтобы",
    "нее",
    "были",
    "куда",
    "зачем",
    "всех",
    "можно",
    "при",
    "об",
    "хоть",
    "после",
    "над",
    "тот",
    "через",
    "эти",
    "нас",
    "про",
    "всего",
    "них",
    "какая",
    "разве",
    "эту",
    "моя",
    "свою",
    "этой",
    "перед",
    "том",
    "такой",
    "им",
    "всю",
    "между",
    "сколько",
    "почему",
    "это",
    "который",
    "которая",
    "которые",
    "также",
    "сказал",
    "сказала",
    "говорит",
    "заявил",
];
