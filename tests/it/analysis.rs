//! The analyzer as a reader would judge it: word forms that mean the same thing meet.

use newsdesk::analysis::analyze;

fn stem(word: &str) -> String {
    let terms = analyze(word);
    assert_eq!(terms.len(), 1, "{word:?} should be one term: {terms:?}");
    terms[0].text.clone()
}

/// Each row holds forms of one word; all must reduce to the same term.
#[test]
fn word_forms_meet() {
    let table: &[&[&str]] = &[
        // English inflection.
        &["missile", "missiles"],
        &["guarantee", "guarantees", "guaranteed"],
        &["negotiate", "negotiating", "negotiations"],
        &["Ukraine's", "Ukraine’s", "Ukraine"],
        &["peacekeeper", "peacekeepers"],
        &["defense", "defenses"],
        // Ukrainian: case and number of nouns.
        &[
            "миротворець",
            "миротворців",
            "миротворці",
            "миротворцям",
            "миротворцями",
            "миротворчого",
            "миротворчий",
        ],
        &["Україна", "України", "Україні", "Україну", "Україною"],
        &["гарантії", "гарантій", "гарантіями", "гарантія"],
        &["безпеки", "безпека", "безпеці", "безпеку"],
        &["оборона", "оборони", "обороні", "оборону"],
        &["протиповітряна", "протиповітряної", "протиповітряну"],
        &["делегація", "делегації", "делегацій", "делегацію"],
        &["парламент", "парламенту", "парламенти", "парламентів"],
        &["засідання", "засіданні", "засідань"],
        &["членство", "членства", "членстві"],
        &["Альянс", "Альянсу", "Альянсі"],
        // Surnames.
        &["Чернєв", "Чернєва", "Чернєвим"],
        &["Рютте"],
        // Ukrainian apostrophe variants.
        &["об'єднання", "об’єднання", "обʼєднання"],
    ];
    for row in table {
        let stems: Vec<String> = row.iter().map(|w| stem(w)).collect();
        assert!(stems.iter().all(|s| s == &stems[0]), "{row:?} gave {stems:?}");
    }
}

/// Different words must stay apart, or everything matches everything.
#[test]
fn different_words_stay_apart() {
    let pairs = [
        ("НАТО", "Україна"),
        ("миротворців", "мир"),
        ("оборона", "оборот"),
        ("war", "ward"),
        ("NATO", "nation"),
    ];
    for (a, b) in pairs {
        assert_ne!(stem(a), stem(b), "{a} and {b}");
    }
}

#[test]
fn numbers_are_findable() {
    for (text, term) in [("75%", "75"), ("1998", "1998"), ("$40 billion", "40"), ("50%", "50")] {
        assert!(analyze(text).iter().any(|t| t.text == term), "{text:?} should contain {term:?}");
    }
}

#[test]
fn question_words_are_stopwords_but_capitals_are_not() {
    let stop = |text: &str| analyze(text).iter().map(|t| t.stopword).collect::<Vec<_>>();
    assert_eq!(stop("What did the US say"), [true, true, true, false, true]);
    assert_eq!(stop("Що сказав Рютте"), [true, true, false]);
}
