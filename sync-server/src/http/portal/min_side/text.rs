//! The texts of Min side, Danish and English side by side.

use frivillig_common::text::Text;

pub(super) const MY_PAGE: Text = ("Min side", "My page");
pub(super) const WHAT_MY_PAGE_IS: Text = (
    "Her kan du se, ændre og slette alle dine tilmeldinger som frivillig – fra kiosker og fra nettet. Skriv den e-mailadresse, du tilmeldte dig med, så sender vi dig et link.",
    "Here you can see, change and delete all your signups as a volunteer – from kiosks and from the web. Write the e-mail address you signed up with and we send you a link.",
);
pub(super) const E_MAIL: Text = ("E-mail", "E-mail");
pub(super) const PHONE: Text = ("Telefon", "Phone");
pub(super) const SEND_ME_A_LINK: Text = ("Send mig et link", "Send me a link");
pub(super) const PHONE_ONLY: Text = (
    "Gav du kun dit telefonnummer, så brug linket på din kvittering, eller ring til kommunen.",
    "If you gave only your phone number, use the link on your receipt, or call the municipality.",
);
pub(super) const TOO_MANY: Text = (
    "Der er sendt mange forespørgsler herfra. Prøv igen om et minut.",
    "Many requests were sent from here. Try again in a minute.",
);
pub(super) const CHECK_YOUR_MAIL: Text = ("Tjek din e-mail", "Check your e-mail");
pub(super) const LINK_SENT: Text = (
    "Hvis adressen hører til en tilmelding, har vi sendt et link til den. Det virker én gang og i 30 minutter.",
    "If the address belongs to a signup, we have sent a link to it. It works once and for 30 minutes.",
);
pub(super) const LINK_REFUSED: Text = (
    "Linket er brugt eller for gammelt. Bed om et nyt herunder.",
    "The link has been used or is too old. Ask for a new one below.",
);
pub(super) const SIGN_IN: Text = ("Log ind på Min side", "Sign in to My page");
pub(super) const SIGNED_OUT: Text = ("Du er ikke logget ind", "You are not signed in");
pub(super) const ASK_FOR_A_NEW_LINK: Text = (
    "Din session er slut. Bed om et nyt link for at fortsætte.",
    "Your session has ended. Ask for a new link to go on.",
);
pub(super) const SIGNED_IN_AS: Text = ("Logget ind som", "Signed in as");
pub(super) const YOUR_SIGNUPS: Text = ("Dine tilmeldinger", "Your signups");
pub(super) const NO_SIGNUPS: Text = ("Du har ingen tilmeldinger.", "You have no signups.");
pub(super) const STATUS: Text = ("Status", "Status");
pub(super) const WITHDRAW: Text = ("Træk tilbage", "Withdraw");
pub(super) const WITHDRAWN: Text = (
    "Tilmeldingen er trukket tilbage.",
    "The signup is withdrawn.",
);
pub(super) const CALENDAR: Text = ("Dine vagter i din kalender", "Your shifts in your calendar");
pub(super) const CALENDAR_EXPLAINED: Text = (
    "Abonnér på linket i din kalender, så står dine vagter der og følger med, hvis en vagt flyttes eller aflyses. Del ikke linket: det er dit.",
    "Subscribe to the link in your calendar: your shifts appear there and follow if a shift moves or is cancelled. Do not share the link: it is yours.",
);
pub(super) const SUBSCRIBE: Text = ("Abonnér på mine vagter", "Subscribe to my shifts");
pub(super) const CONTACT: Text = ("Sådan kontakter vi dig", "How we reach you");
pub(super) const SAVE: Text = ("Gem", "Save");
pub(super) const CONTACT_SAVED: Text = (
    "Dine kontaktoplysninger er gemt.",
    "Your contact details are saved.",
);
pub(super) const NEWS: Text = ("Nyheder og invitationer", "News and invitations");
pub(super) const ONLY_ABOUT_SIGNUPS: Text = (
    "Uden dit ja får du kun mails om dine egne tilmeldinger.",
    "Without your yes you get only e-mails about your own signups.",
);
pub(super) const SAVE_CHOICE: Text = ("Gem mit valg", "Save my choice");
pub(super) const CHOICE_SAVED: Text = ("Dit valg er gemt.", "Your choice is saved.");
pub(super) const YOUR_DATA: Text = ("Dine oplysninger", "Your data");
pub(super) const DOWNLOAD_ALL: Text = (
    "Hent alt, vi har om dig",
    "Download everything we hold about you",
);
pub(super) const DELETE_ME: Text = ("Slet mig", "Delete me");
pub(super) const DELETE_EXPLAINED: Text = (
    "Alle dine tilmeldinger og oplysninger slettes hos kommunen. Det kan ikke fortrydes.",
    "All your signups and details are deleted at the municipality. This cannot be undone.",
);
pub(super) const I_WANT_TO_BE_DELETED: Text =
    ("Ja, slet alt om mig", "Yes, delete everything about me");
pub(super) const TICK_TO_CONFIRM: Text = (
    "Sæt flueben for at bekræfte, at alt skal slettes.",
    "Tick the box to confirm that everything is to be deleted.",
);
pub(super) const DELETED: Text = ("Du er slettet", "You are deleted");
pub(super) const DELETED_TEXT: Text = (
    "Dine tilmeldinger og oplysninger er slettet. Tak for din interesse for frivilligt arbejde.",
    "Your signups and details are deleted. Thank you for your interest in volunteering.",
);
pub(super) const SIGN_OUT: Text = ("Log ud", "Sign out");
pub(super) const NOT_SAVED: Text = ("Ikke gemt", "Not saved");
pub(super) const NOT_YOURS: Text = (
    "Den tilmelding findes ikke på din side.",
    "That signup is not on your page.",
);
