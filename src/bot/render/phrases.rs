//! Every sentence the bot says that is not archive content, in English and
//! Ukrainian, and the language it says them in.

/// The language the bot answers in, from the user's Telegram `language_code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Uk,
}

impl Lang {
    pub fn from_code(code: Option<&str>) -> Lang {
        match code {
            Some(code) if code.starts_with("uk") => Lang::Uk,
            _ => Lang::En,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Uk => "uk",
        }
    }
}

/// Everything the bot says that is not archive content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phrase {
    Start,
    Help,
    NothingFound,
    AskUsage,
    ArticleUsage,
    ArticleNotFound,
    NotAllowed,
    SlowDown,
    Unavailable,
    TextOnly,
    UnknownCommand,
    Expired,
    NoMore,
    Thanks,
    LatestHeader,
    SourcesHeader,
    EmptyArchive,
    ButtonMore,
    ButtonBack,
    /// A 📄 pressed again in a group: the article is already there.
    ArticleAbove,
    /// The button above an empty inline query's results.
    InlineHint,
    /// A 📰 pressed again in a group: the list is already there.
    ListAbove,
    ButtonArticle,
    DigestHeader,
    DigestEmpty,
    SubscribeUsage,
    /// Says `SUBSCRIPTIONS_PER_CHAT` (`bot::digests`).
    ChatSubscriptionsFull,
    /// Says `SUBSCRIPTIONS_PER_USER` (`bot::digests`).
    UserSubscriptionsFull,
    ManagersOnly,
    BotAdminsOnly,
    NoSubscriptions,
    SubscriptionsHeader,
    TimezoneUsage,
    ChannelNotFound,
    ChannelNotAdmin,
    ChannelCantPost,
    LanguageUsage,
    ResultsUsage,
    UnansweredEmpty,
    UnansweredHeader,
    UnsubscribeUsage,
    ArticleCut,
    ArchiveUsage,
    ArchiveNotFound,
    ArchiveChannelsOnly,
    ArchiveNotAdmin,
    ArchiveMakeMeAdmin,
    ArchiveUnwritable,
}

/// The sentence for `phrase` in `lang`, as plain text (no HTML).
pub fn phrase(lang: Lang, phrase: Phrase) -> &'static str {
    use Phrase::*;
    match (lang, phrase) {
        (Lang::En, Start) => {
            "Hi! I answer questions about the news archive with quotes from the articles. Send me a question, e.g. “What did Rutte say about security guarantees?”. /help lists everything I can do."
        }
        (Lang::Uk, Start) => {
            "Вітаю! Я відповідаю на запитання про архів новин цитатами зі статей. Надішліть запитання, наприклад «Що Рютте сказав про гарантії безпеки?». /help — усе, що я вмію."
        }
        (Lang::En, Help) => {
            "Ask a question and I reply with the passages that answer it, each with its article's title, outlet and date.\n\n• In a private chat, just write the question.\n• In a group: /ask your question, reply to one of my messages, or mention me.\n• Anywhere: type @ and my name, then the question (inline mode).\n• Made a typo? Edit the question and I update my answer.\n\nNarrow a question down, anywhere in it:\n• time in words: today, yesterday, last week, in February, since March 1, over the last 3 days (in this chat's time zone)\n• since:2026-02-01 until:2026-02-28 on:2026-02-03\n• source:UNN (an outlet; repeat for any of several), -source:RT, lang:uk|en|ru\n• “latest …”, “what's new about …”: newest first\n\n/latest [topic] — newest articles (on a topic)\n/sources — outlets in the archive\n📄 under an answer or a list — the whole article\n\nDigests:\n/digest [keywords] [source:…] [lang:…] — what is new since the last digest\n/subscribe 08:00 [keywords] [-excluded] [source:…] [lang:…] — a digest every day (in a group, admins only; for a channel: /subscribe @channel 08:00 …)\n/subscriptions, /unsubscribe — see and stop them\n/timezone Europe/Kyiv — this chat's time zone, for digests and for “today”\n/language en|uk|auto, /results 1-10 — how I answer here\n\nChannels:\n/archive on — posted in a channel where I am an admin: its new posts go into the archive (/archive off stops, /archive purge deletes them; from a private chat: /archive @channel on)"
        }
        (Lang::Uk, Help) => {
            "Поставте запитання, і я відповім уривками, що на нього відповідають, з назвою статті, виданням і датою.\n\n• В особистому чаті просто напишіть запитання.\n• У групі: /ask і запитання, відповідь на моє повідомлення або згадка мене.\n• Будь-де: наберіть @ і моє ім'я, потім запитання (inline-режим).\n• Помилилися? Виправте запитання, і я оновлю відповідь.\n\nЯк звузити запитання (будь-де в ньому):\n• час словами: сьогодні, вчора, минулого тижня, у лютому, з 1 березня, за останні 3 дні (у часовому поясі цього чату)\n• since:2026-02-01 until:2026-02-28 on:2026-02-03\n• source:UNN (видання; кілька — будь-яке з них), -source:RT, lang:uk|en|ru\n• «останні новини про …», «що нового про …» — найновіші спершу\n\n/latest [тема] — найновіші статті (на тему)\n/sources — видання в архіві\n📄 під відповіддю чи списком — уся стаття\n\nДайджести:\n/digest [ключові слова] [source:…] [lang:…] — що нового від останнього дайджесту\n/subscribe 08:00 [слова] [-виключені] [source:…] [lang:…] — дайджест щодня (у групі лише для адміністраторів; для каналу: /subscribe @канал 08:00 …)\n/subscriptions, /unsubscribe — переглянути й скасувати\n/timezone Europe/Kyiv — часовий пояс цього чату: для дайджестів і для «сьогодні»\n/language en|uk|auto, /results 1-10 — як я відповідаю тут\n\nКанали:\n/archive on — у каналі, де я адміністратор: його нові дописи потрапляють до архіву (/archive off — зупинити, /archive purge — видалити їх; з особистого чату: /archive @канал on)"
        }
        (Lang::En, NothingFound) => {
            "I found nothing in the archive that answers this. Try other words, or ask about a person, place or event."
        }
        (Lang::Uk, NothingFound) => {
            "В архіві немає нічого, що відповідає на це запитання. Спробуйте інші слова або запитайте про людину, місце чи подію."
        }
        (Lang::En, AskUsage) => {
            "Write the question after the command, e.g. /ask What did Stoltenberg say about Putin?"
        }
        (Lang::Uk, AskUsage) => {
            "Напишіть запитання після команди, наприклад /ask Що сказав Чернєв про миротворців?"
        }
        (Lang::En, ArticleUsage) => "Tap 📄 under an answer or a list to read a whole article. The newest:",
        (Lang::Uk, ArticleUsage) => {
            "Натисніть 📄 під відповіддю чи списком, щоб прочитати всю статтю. Найновіші:"
        }
        (Lang::En, ArticleNotFound) => "There is no article with that id in the archive.",
        (Lang::Uk, ArticleNotFound) => "В архіві немає статті з таким ідентифікатором.",
        (Lang::En, NotAllowed) => "Sorry, this bot is private and does not answer here.",
        (Lang::Uk, NotAllowed) => "Вибачте, це приватний бот, і тут він не відповідає.",
        (Lang::En, SlowDown) => "That's a lot of questions at once. Please wait a minute and ask again.",
        (Lang::Uk, SlowDown) => "Забагато запитань за короткий час. Зачекайте хвилину й запитайте знову.",
        (Lang::En, Unavailable) => "Search is unavailable right now. Please try again later.",
        (Lang::Uk, Unavailable) => "Пошук зараз недоступний. Спробуйте пізніше.",
        (Lang::En, TextOnly) => "I can only read text. Send your question as a message.",
        (Lang::Uk, TextOnly) => "Я читаю лише текст. Надішліть запитання повідомленням.",
        (Lang::En, UnknownCommand) => "I don't know that command. /help lists what I can do.",
        (Lang::Uk, UnknownCommand) => "Я не знаю такої команди. /help — що я вмію.",
        (Lang::En, ArticleCut) => "The article is too long to send here in full; the rest is cut.",
        (Lang::Uk, ArticleCut) => "Стаття задовга, щоб надіслати її тут повністю; решту обрізано.",
        (Lang::En, Expired) => "This answer has expired. Please ask again.",
        (Lang::Uk, Expired) => "Ця відповідь застаріла. Запитайте ще раз.",
        (Lang::En, NoMore) => "No more results.",
        (Lang::Uk, NoMore) => "Більше результатів немає.",
        (Lang::En, Thanks) => "Thanks for the feedback!",
        (Lang::Uk, Thanks) => "Дякую за відгук!",
        (Lang::En, LatestHeader) => "Newest articles:",
        (Lang::Uk, LatestHeader) => "Найновіші статті:",
        (Lang::En, SourcesHeader) => "Outlets in the archive (tap a number for its newest articles):",
        (Lang::Uk, SourcesHeader) => {
            "Видання в архіві (натисніть номер, щоб побачити їхні найновіші статті):"
        }
        (Lang::En, EmptyArchive) => "The archive is empty.",
        (Lang::Uk, EmptyArchive) => "Архів порожній.",
        (Lang::En, ButtonBack) => "◂ Back",
        (Lang::Uk, ButtonBack) => "◂ Назад",
        (Lang::En, ArticleAbove) => "The article is already posted in this chat, as a reply to this answer.",
        (Lang::Uk, ArticleAbove) => "Статтю вже надіслано в цей чат, відповіддю на цю відповідь.",
        (Lang::En, ListAbove) => "The list is already posted in this chat, as a reply to this message.",
        (Lang::Uk, ListAbove) => "Список уже надіслано в цей чат, відповіддю на це повідомлення.",
        (Lang::En, InlineHint) => "Type a question after my name · how to ask",
        (Lang::Uk, InlineHint) => "Напишіть запитання після мого імені · як питати",
        (Lang::En, ButtonMore) => "More ▸",
        (Lang::Uk, ButtonMore) => "Ще ▸",
        (Lang::En, ButtonArticle) => "Full article",
        (Lang::Uk, ButtonArticle) => "Уся стаття",
        (Lang::En, DigestHeader) => "News digest",
        (Lang::Uk, DigestHeader) => "Дайджест новин",
        (Lang::En, DigestEmpty) => "Nothing new since the last digest.",
        (Lang::Uk, DigestEmpty) => "Від останнього дайджесту нічого нового.",
        (Lang::En, SubscribeUsage) => {
            "Give a time and, if you like, keywords: /subscribe 08:00 nato ukraine -russia. The time is in this chat's time zone (see /timezone). For a channel you manage, send me /subscribe @channel 08:00 … in a private chat."
        }
        (Lang::Uk, SubscribeUsage) => {
            "Вкажіть час і, за бажанням, ключові слова: /subscribe 08:00 нато україна -росія. Час — у часовому поясі цього чату (див. /timezone). Для каналу, яким ви керуєте, надішліть мені /subscribe @канал 08:00 … в особистому чаті."
        }
        (Lang::En, ChatSubscriptionsFull) => {
            "This chat already has 10 digests, the most one chat may have. /subscriptions lists them; /unsubscribe N stops one."
        }
        (Lang::Uk, ChatSubscriptionsFull) => {
            "У цьому чаті вже 10 дайджестів — це найбільше для одного чату. /subscriptions — список; /unsubscribe N — зупинити один."
        }
        (Lang::En, UserSubscriptionsFull) => {
            "You already have 20 digests, the most one person may set up. /unsubscribe one where you no longer need it."
        }
        (Lang::Uk, UserSubscriptionsFull) => {
            "У вас уже 20 дайджестів — це найбільше для однієї людини. Зупиніть непотрібний командою /unsubscribe."
        }
        (Lang::En, ManagersOnly) => "Only this chat's admins can change its digests and settings.",
        (Lang::Uk, ManagersOnly) => {
            "Змінювати дайджести й налаштування цього чату можуть лише його адміністратори."
        }
        (Lang::En, BotAdminsOnly) => "Only the bot's admins can see that.",
        (Lang::Uk, BotAdminsOnly) => "Це бачать лише адміністратори бота.",
        (Lang::En, NoSubscriptions) => "No digests are scheduled here. /subscribe 08:00 starts one.",
        (Lang::Uk, NoSubscriptions) => "Тут не заплановано дайджестів. /subscribe 08:00 — почати.",
        (Lang::En, SubscriptionsHeader) => "Scheduled digests:",
        (Lang::Uk, SubscriptionsHeader) => "Заплановані дайджести:",
        (Lang::En, TimezoneUsage) => {
            "Give a time zone by its IANA name, e.g. /timezone Europe/Kyiv or /timezone America/New_York."
        }
        (Lang::Uk, TimezoneUsage) => {
            "Вкажіть часовий пояс за назвою IANA, наприклад /timezone Europe/Kyiv або /timezone America/New_York."
        }
        (Lang::En, ChannelNotFound) => {
            "I can't find that channel. Check its @name and add me to it as an admin who may post messages."
        }
        (Lang::Uk, ChannelNotFound) => {
            "Не можу знайти цей канал. Перевірте його @назву й додайте мене адміністратором із правом публікувати."
        }
        (Lang::En, ChannelNotAdmin) => "Only admins of that channel can schedule digests there.",
        (Lang::Uk, ChannelNotAdmin) => "Планувати дайджести в каналі можуть лише його адміністратори.",
        (Lang::En, ChannelCantPost) => {
            "I may not post in that channel: make me an admin with the right to post messages, then try again."
        }
        (Lang::Uk, ChannelCantPost) => {
            "Я не можу публікувати в цьому каналі: зробіть мене адміністратором із правом публікувати й спробуйте знову."
        }
        (Lang::En, LanguageUsage) => {
            "/language en or /language uk sets the language I use in this chat; /language auto follows each person's Telegram language."
        }
        (Lang::Uk, LanguageUsage) => {
            "/language uk або /language en — мова, якою я пишу в цьому чаті; /language auto — мова Telegram кожної людини."
        }
        (Lang::En, ResultsUsage) => {
            "/results 1 to 10 sets how many quotes an answer here shows; /results default resets it."
        }
        (Lang::Uk, ResultsUsage) => {
            "/results від 1 до 10 — скільки цитат у відповіді тут; /results default — як спочатку."
        }
        (Lang::En, UnansweredEmpty) => "Every question so far found an answer.",
        (Lang::Uk, UnansweredEmpty) => "Поки що кожне запитання знайшло відповідь.",
        (Lang::En, UnansweredHeader) => "Recent questions that found nothing:",
        (Lang::Uk, UnansweredHeader) => "Останні запитання без відповіді:",
        (Lang::En, UnsubscribeUsage) => {
            "/unsubscribe stops every digest of this chat (or topic); /unsubscribe 3 stops digest #3 of /subscriptions; /unsubscribe @channel stops a channel's."
        }
        (Lang::Uk, UnsubscribeUsage) => {
            "/unsubscribe — скасувати всі дайджести цього чату (чи теми); /unsubscribe 3 — дайджест №3 зі /subscriptions; /unsubscribe @канал — дайджести каналу."
        }
        (Lang::En, ArchiveUsage) => {
            "/archive on, posted in a channel where I am an admin, keeps its new posts in the archive so they can be asked about; /archive off stops it, /archive purge also deletes what was kept, /archive alone says how it stands. From a private chat: /archive @channel on|off|purge."
        }
        (Lang::Uk, ArchiveUsage) => {
            "/archive on, опубліковане в каналі, де я адміністратор, зберігає його нові дописи в архіві, щоб про них можна було запитувати; /archive off — зупинити, /archive purge — ще й видалити збережене, /archive — як зараз. З особистого чату: /archive @канал on|off|purge."
        }
        (Lang::En, ArchiveNotFound) => {
            "I can't find that channel. Check its @name, and add me to it as an admin."
        }
        (Lang::Uk, ArchiveNotFound) => {
            "Не можу знайти цей канал. Перевірте його @назву й додайте мене до нього адміністратором."
        }
        (Lang::En, ArchiveChannelsOnly) => "Only channels can be archived.",
        (Lang::Uk, ArchiveChannelsOnly) => "Архівувати можна лише канали.",
        (Lang::En, ArchiveNotAdmin) => "Only admins of that channel can change its archiving.",
        (Lang::Uk, ArchiveNotAdmin) => "Змінювати архівування каналу можуть лише його адміністратори.",
        (Lang::En, ArchiveMakeMeAdmin) => {
            "Make me an admin of that channel first: Telegram shows a channel's posts only to bots that are its admins."
        }
        (Lang::Uk, ArchiveMakeMeAdmin) => {
            "Спершу зробіть мене адміністратором цього каналу: Telegram показує дописи каналу лише ботам-адміністраторам."
        }
        (Lang::En, ArchiveUnwritable) => {
            "I can't write to the archive folder, so I can't keep posts. The bot's operator has to make it writable."
        }
        (Lang::Uk, ArchiveUnwritable) => {
            "Я не можу писати до теки архіву, тож не можу зберігати дописи. Власник бота має дозволити запис до неї."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_follows_the_user() {
        assert_eq!(Lang::from_code(Some("uk")), Lang::Uk);
        assert_eq!(Lang::from_code(Some("uk-UA")), Lang::Uk);
        assert_eq!(Lang::from_code(Some("de")), Lang::En);
        assert_eq!(Lang::from_code(None), Lang::En);
    }
}
