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
        &["Лавров", "Лаврова", "Лаврову", "Лавровим"],
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

/// A Russian word, analysed as part of Russian text (the text's language decides the
/// stemmer for words whose letters do not).
fn russian_stem(word: &str) -> String {
    let terms: Vec<_> = analyze(&format!("что {word}")).into_iter().filter(|t| !t.stopword).collect();
    assert_eq!(terms.len(), 1, "{word:?} should be one term: {terms:?}");
    terms[0].text.clone()
}

/// Russian gets Snowball Russian and the same light pass as Ukrainian: its word forms
/// meet, and so do the roots the two languages share.
#[test]
fn russian_word_forms_meet_and_meet_ukrainian_ones() {
    let table: &[&[&str]] = &[
        &["ракета", "ракеты", "ракет", "ракетами", "ракетой"],
        &["миротворцы", "миротворцев", "миротворцам", "миротворцами"],
        &["гарантии", "гарантий", "гарантиями", "гарантия"],
        &["парламент", "парламента", "парламенте", "парламентов"],
        &["делегация", "делегации", "делегаций", "делегацию"],
        &["Украина", "Украины", "Украине", "Украину"],
        // Surnames in -ов/-ев, whose nominative Snowball cuts shorter.
        &["Лавров", "Лаврова", "Лаврову", "Лавровым", "Лаврове"],
        &["Медведев", "Медведева", "Медведеву", "Медведевым"],
        &["ёлка", "елка"],
    ];
    for forms in table {
        let stems: Vec<String> = forms.iter().map(|w| russian_stem(w)).collect();
        assert!(stems.windows(2).all(|w| w[0] == w[1]), "{forms:?} -> {stems:?}");
    }
    // Roots both languages share meet across them.
    for (russian, ukrainian) in [
        ("миротворцев", "миротворців"),
        ("парламента", "парламенту"),
        ("ракеты", "ракети"),
        ("Рютте", "Рютте"),
        // The letters the two alphabets spell apart in one root: і, ї and ы, є
        // and э, ґ and г.
        ("Украина", "Україна"),
        ("Украины", "України"),
        ("Егор", "Єгор"),
        ("Чернева", "Чернєва"),
        ("Чернев", "Чернєв"),
        ("Лавров", "Лавров"),
        ("выборы", "вибори"),
        ("Иванна", "Іванна"),
    ] {
        assert_eq!(russian_stem(russian), stem(ukrainian), "{russian} / {ukrainian}");
    }
}

/// Russian function words are never searched, and a Russian question's words stem as
/// Russian even without Russian-only letters.
#[test]
fn russian_questions_are_told_from_ukrainian_ones() {
    let content = |text: &str| -> Vec<String> {
        analyze(text).into_iter().filter(|t| !t.stopword).map(|t| t.text).collect()
    };
    assert_eq!(content("сколько ракет получила Украина"), content("ракеты получил Украине"));
    assert_eq!(content("что это"), Vec::<String>::new());
    assert!(content("Що Рютте казав про меморандум?").contains(&stem("меморандуму")));
}
