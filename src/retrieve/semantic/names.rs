//! Name keys: the one lexical signal that crosses scripts.
//!
//! A question in English names "Yehor Chernyev"; the Ukrainian article writes
//! "Єгор Чернєв". Words cannot match, but names are transliterated, so their
//! consonants mostly survive: both reduce to the key `chrnv`. A key is built from
//! a capitalised word's stem (so "Столтенберга" and "Stoltenberg" agree), spelled
//! in Latin letters, with vowels and glides dropped and the letters that
//! transliteration swaps (г/g/h, х/kh, c/k) folded together.
//!
//! Keys carry their script: a passage stores `c…` for names written in Cyrillic
//! and `l…` for names in Latin letters, and a question looks for its names in the
//! other script only, since the same script already matches by words.

use std::collections::HashSet;

use crate::analysis::{Script, analyze};

/// Keys shorter than this (in letters) collide too often ("nt" for NATO and
/// "nota") to mean anything.
const MIN_KEY_LETTERS: usize = 3;

/// Whether a word of the question is an ordinary word rather than a name, given
/// its term, its name key in its own script and whether it is capitalised.
pub type Ordinary<'a> = &'a dyn Fn(&str, &str, bool) -> bool;

/// The name keys of `text` as a passage stores them.
pub fn name_keys(text: &str) -> Vec<String> {
    keys(text, false, None)
}

/// The keys under which `question`'s names would be stored in the other script.
///
/// People type "chernyev peacekeepers" in a chat, so a word in lower case counts
/// too, unless `ordinary` says it is a word rather than a name: one the archive
/// uses as a word of its own script ("parliament" would meet "Парламент"), or,
/// however written, one too common to be a name.
pub fn foreign_name_keys(question: &str, ordinary: Ordinary) -> Vec<String> {
    keys(question, true, Some(ordinary))
}

/// The question's capitalised words after its first (which is capitalised
/// whatever it is), each as its terms and its name keys in both scripts: what the
/// archive would hold if it mentioned that name.
pub fn named_words(question: &str) -> Vec<(Vec<String>, Vec<String>)> {
    question
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .filter(|w| !w.is_empty())
        .skip(1)
        .filter(|w| w.starts_with(char::is_uppercase))
        .filter_map(|word| {
            let terms: Vec<String> =
                analyze(word).into_iter().filter(|t| !t.stopword).map(|t| t.text).collect();
            if terms.is_empty() {
                return None;
            }
            let mut keys = keys(word, true, None);
            let own: Vec<String> = keys.iter().map(|k| own_script(k)).collect();
            keys.extend(own);
            Some((terms, keys))
        })
        .collect()
}

/// The same key in the other script: where a question's own script keeps it.
pub fn own_script(key: &str) -> String {
    match key.strip_prefix('c') {
        Some(rest) => format!("l{rest}"),
        None => format!("c{}", &key[1..]),
    }
}

/// `lower_case`: whether words in lower case count, and which words are ordinary
/// rather than names ([`Ordinary`]; `None`: capitalised words only, all names).
fn keys(text: &str, flip: bool, lower_case: Option<Ordinary>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    // Each word once; in a passage only capitalised words, since most of it is not
    // a name and names repeat.
    let mut seen: HashSet<&str> = HashSet::new();
    let words = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .filter(|w| (lower_case.is_some() || w.starts_with(char::is_uppercase)) && seen.insert(w));
    for word in words {
        let capitalised = word.starts_with(char::is_uppercase);
        for term in analyze(word) {
            let cyrillic = match term.script {
                _ if term.stopword => continue,
                Script::Cyrillic => true,
                Script::Latin => false,
                _ => continue,
            };
            // Both the stem and the whole word: stemming cuts some surnames short
            // ("Чернєв" to "черн") and leaves others whole ("Zelensky" and
            // "Зеленського" meet only as stems).
            // An English possessive is not part of the name: "Khan's" is
            // "Khan", not the key of "Генсеком".
            let whole = word[term.start..term.end].to_lowercase();
            let whole = whole.strip_suffix("'s").or_else(|| whole.strip_suffix("’s")).unwrap_or(&whole);
            for form in [term.text.as_str(), whole] {
                let skeleton = if cyrillic { skeleton_of_cyrillic(form) } else { skeleton_of_latin(form) };
                if skeleton.chars().count() < MIN_KEY_LETTERS {
                    continue;
                }
                let tag = if cyrillic != flip { 'c' } else { 'l' };
                let key = format!("{tag}{skeleton}");
                if lower_case.is_some_and(|ordinary| ordinary(&term.text, &own_script(&key), capitalised)) {
                    continue;
                }
                if !out.contains(&key) {
                    out.push(key);
                }
            }
        }
    }
    out
}

/// Consonants of a Cyrillic word in the Latin letters a transliteration would use.
fn skeleton_of_cyrillic(word: &str) -> String {
    let mut out = String::new();
    for c in word.chars() {
        let latin = match c {
            'б' => "b",
            'в' => "v",
            'г' | 'ґ' | 'х' => "h",
            'д' => "d",
            'ж' => "zh",
            'з' => "z",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'ф' => "f",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            _ => "",
        };
        out.push_str(latin);
    }
    out
}

/// Consonants of a Latin word, folded as [`skeleton_of_cyrillic`] spells them.
fn skeleton_of_latin(word: &str) -> String {
    let letters: Vec<char> = word.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < letters.len() {
        let c = letters[i];
        let next = letters.get(i + 1).copied();
        match c {
            // "kh" is one sound, written х.
            'k' if next == Some('h') => {
                out.push('h');
                i += 1;
            }
            'c' if next == Some('h') => {
                out.push_str("ch");
                i += 1;
            }
            'c' | 'q' => out.push('k'),
            'g' => out.push('h'),
            'w' => out.push('v'),
            'x' => out.push_str("ks"),
            'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'j' | '\'' => {}
            c if c.is_ascii_lowercase() => out.push(c),
            _ => {}
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_words_skip_the_first_word_and_hold_keys_in_both_scripts() {
        // "What" is capitalised as any first word is; "Or" is a stopword.
        let named = named_words("What is the weather in Paris? Or in Харкові");
        assert_eq!(named.len(), 2, "{named:?}");
        assert_eq!(named[0].0, analyze("Paris").into_iter().map(|t| t.text).collect::<Vec<_>>());
        // "Kharkiv" written in a passage is a key of the question's "Харкові".
        let stored = name_keys("Kharkiv");
        assert!(named[1].1.iter().any(|k| stored.contains(k)), "{named:?} vs {stored:?}");
        let stored = name_keys("Харкові");
        assert!(named[1].1.iter().any(|k| stored.contains(k)), "{named:?} vs {stored:?}");
        assert!(named_words("Paris").is_empty());
    }

    #[test]
    fn transliterated_names_share_a_key() {
        for (latin, cyrillic) in [
            ("Yehor Chernyev", "Єгор Чернєв"),
            ("Ivanna Klympush-Tsintsadze", "Іванною Климпуш-Цинцадзе"),
            ("Stoltenberg", "Столтенберга"),
            ("Rutte", "Рютте"),
            ("Herashchenko", "Геращенко"),
            ("Hamas", "ХАМАС"),
            ("Kharkiv", "Харкові"),
        ] {
            let stored = name_keys(cyrillic);
            let asked = foreign_name_keys(latin, &|_, _, _| false);
            assert!(asked.iter().any(|k| stored.contains(k)), "{latin} {asked:?} vs {cyrillic} {stored:?}");
            let stored = name_keys(latin);
            let asked = foreign_name_keys(cyrillic, &|_, _, _| false);
            assert!(asked.iter().any(|k| stored.contains(k)), "{cyrillic} {asked:?} vs {latin} {stored:?}");
        }
    }

    #[test]
    fn a_possessive_is_not_part_of_the_name() {
        let unknown = |_: &str, _: &str, _: bool| false;
        // "Khan's" once made the key of "Генсеком" (secretary general).
        let stored = name_keys("Генсеком Марком Рютте");
        assert!(stored.iter().any(|k| k == "chns"), "{stored:?}");
        let asked = foreign_name_keys("Genghis Khan's empire", &unknown);
        assert!(asked.iter().all(|k| !stored.contains(k)), "{asked:?} vs {stored:?}");
        // The name itself still meets its transliteration.
        let stored = name_keys("Столтенберга");
        assert!(foreign_name_keys("Stoltenberg's visit", &unknown).iter().any(|k| stored.contains(k)));
        assert!(foreign_name_keys("Stoltenberg’s visit", &unknown).iter().any(|k| stored.contains(k)));
    }

    #[test]
    fn passages_store_capitalised_words_and_questions_look_for_any_word() {
        assert!(name_keys("what did the minister say about tanks?").is_empty());
        // Typed in lower case, as in a chat.
        let unknown = |_: &str, _: &str, _: bool| false;
        let stored = name_keys("Єгор Чернєв");
        assert!(foreign_name_keys("chernyev peacekeepers", &unknown).iter().any(|k| stored.contains(k)));
        let stored = name_keys("Mark Rutte");
        assert!(foreign_name_keys("що казав рютте", &unknown).iter().any(|k| stored.contains(k)));
        // A word the archive knows in the question's own script is a word, not a
        // name, unless it is capitalised.
        let stored = name_keys("Парламентська асамблея");
        let ordinary =
            |term: &str, _: &str, capitalised: bool| !capitalised && term.starts_with("parliament");
        assert!(!foreign_name_keys("what did parliament say", &ordinary).iter().any(|k| stored.contains(k)));
        assert!(foreign_name_keys("what did Parliament say", &ordinary).iter().any(|k| stored.contains(k)));
        // A question's names are looked for in the other script only.
        assert!(foreign_name_keys("Rutte", &|_, _, _| false).iter().all(|k| k.starts_with('c')));
        assert!(name_keys("Rutte").iter().all(|k| k.starts_with('l')));
        // Too short to tell apart.
        assert!(name_keys("NATO").is_empty());
    }
}
