// The candidate's page behind a scheduling link: shows the free times of the
// interview panel on the candidate's clock, books one, moves or cancels the
// booking until the company's deadline. It only calls the three public
// GraphQL operations (schedulingLink, bookInterviewSlot,
// cancelInterviewBooking) with the token from its own address; it needs no
// bearer token and loads nothing from other hosts. `token`, `$`, `call` and
// `notice` come from page.js, loaded first.
'use strict';

const WORDS = {
  en: {
    title: 'Interview for {position}', subtitle: '{company} · {minutes} minutes',
    zone: 'Times shown in', pick: 'Choose a time that suits you.',
    none: 'There is no free time left in this link. Please reply to the email you received.',
    confirm: 'Book the interview on {when}?', book: 'Book this time', back: 'Back',
    booked: 'Your interview is booked:', where: 'Place: {place}', video: 'Video link: {link}',
    change: 'Choose another time', cancel: 'Cancel the interview',
    cancelSure: 'Cancel the interview on {when}?', cancelYes: 'Yes, cancel it',
    cancelled: 'The interview was cancelled.', fixed: 'It can no longer be changed here.',
    until: 'You can move or cancel it here until {when}.',
    taken: 'That time was just taken. Please choose another one.',
    gone: 'This link is not valid any more.', slow: 'Too many attempts. Please wait a minute and try again.',
    failed: 'Something went wrong. Please try again.', mail: 'An invitation is on its way to your inbox.',
  },
  de: {
    title: 'Vorstellungsgespräch: {position}', subtitle: '{company} · {minutes} Minuten',
    zone: 'Zeiten in', pick: 'Wählen Sie einen passenden Termin.',
    none: 'Über diesen Link ist kein Termin mehr frei. Bitte antworten Sie auf die erhaltene E-Mail.',
    confirm: 'Gespräch am {when} buchen?', book: 'Diesen Termin buchen', back: 'Zurück',
    booked: 'Ihr Gespräch ist gebucht:', where: 'Ort: {place}', video: 'Videolink: {link}',
    change: 'Anderen Termin wählen', cancel: 'Gespräch absagen',
    cancelSure: 'Gespräch am {when} absagen?', cancelYes: 'Ja, absagen',
    cancelled: 'Das Gespräch wurde abgesagt.', fixed: 'Es kann hier nicht mehr geändert werden.',
    until: 'Sie können es hier bis {when} verschieben oder absagen.',
    taken: 'Dieser Termin wurde gerade vergeben. Bitte wählen Sie einen anderen.',
    gone: 'Dieser Link ist nicht mehr gültig.', slow: 'Zu viele Versuche. Bitte warten Sie eine Minute.',
    failed: 'Etwas ist schiefgegangen. Bitte versuchen Sie es erneut.', mail: 'Eine Einladung ist unterwegs in Ihr Postfach.',
  },
  fr: {
    title: 'Entretien : {position}', subtitle: '{company} · {minutes} minutes',
    zone: 'Heures affichées en', pick: 'Choisissez le créneau qui vous convient.',
    none: 'Plus aucun créneau n’est libre sur ce lien. Merci de répondre à l’e-mail reçu.',
    confirm: 'Réserver l’entretien le {when} ?', book: 'Réserver ce créneau', back: 'Retour',
    booked: 'Votre entretien est réservé :', where: 'Lieu : {place}', video: 'Lien vidéo : {link}',
    change: 'Choisir un autre créneau', cancel: 'Annuler l’entretien',
    cancelSure: 'Annuler l’entretien du {when} ?', cancelYes: 'Oui, annuler',
    cancelled: 'L’entretien a été annulé.', fixed: 'Il ne peut plus être modifié ici.',
    until: 'Vous pouvez le déplacer ou l’annuler ici jusqu’au {when}.',
    taken: 'Ce créneau vient d’être pris. Merci d’en choisir un autre.',
    gone: 'Ce lien n’est plus valable.', slow: 'Trop de tentatives. Merci de patienter une minute.',
    failed: 'Une erreur est survenue. Merci de réessayer.', mail: 'Une invitation arrive dans votre boîte de réception.',
  },
  es: {
    title: 'Entrevista: {position}', subtitle: '{company} · {minutes} minutos',
    zone: 'Horas en', pick: 'Elija el horario que le venga bien.',
    none: 'Ya no quedan horarios libres en este enlace. Responda, por favor, al correo recibido.',
    confirm: '¿Reservar la entrevista el {when}?', book: 'Reservar este horario', back: 'Volver',
    booked: 'Su entrevista está reservada:', where: 'Lugar: {place}', video: 'Enlace de vídeo: {link}',
    change: 'Elegir otro horario', cancel: 'Cancelar la entrevista',
    cancelSure: '¿Cancelar la entrevista del {when}?', cancelYes: 'Sí, cancelarla',
    cancelled: 'La entrevista se ha cancelado.', fixed: 'Ya no se puede cambiar aquí.',
    until: 'Puede moverla o cancelarla aquí hasta el {when}.',
    taken: 'Ese horario se acaba de ocupar. Elija otro, por favor.',
    gone: 'Este enlace ya no es válido.', slow: 'Demasiados intentos. Espere un minuto, por favor.',
    failed: 'Algo ha fallado. Inténtelo de nuevo.', mail: 'Le llegará una invitación por correo.',
  },
  it: {
    title: 'Colloquio: {position}', subtitle: '{company} · {minutes} minuti',
    zone: 'Orari in', pick: 'Scelga l’orario che preferisce.',
    none: 'Non ci sono più orari liberi con questo link. Risponda all’e-mail ricevuta.',
    confirm: 'Prenotare il colloquio per {when}?', book: 'Prenota questo orario', back: 'Indietro',
    booked: 'Il suo colloquio è prenotato:', where: 'Luogo: {place}', video: 'Link video: {link}',
    change: 'Scegli un altro orario', cancel: 'Annulla il colloquio',
    cancelSure: 'Annullare il colloquio di {when}?', cancelYes: 'Sì, annulla',
    cancelled: 'Il colloquio è stato annullato.', fixed: 'Non può più essere modificato qui.',
    until: 'Può spostarlo o annullarlo qui fino a {when}.',
    taken: 'Quell’orario è appena stato preso. Ne scelga un altro.',
    gone: 'Questo link non è più valido.', slow: 'Troppi tentativi. Attenda un minuto.',
    failed: 'Qualcosa è andato storto. Riprovi.', mail: 'Un invito è in arrivo nella sua casella di posta.',
  },
  nl: {
    title: 'Sollicitatiegesprek: {position}', subtitle: '{company} · {minutes} minuten',
    zone: 'Tijden in', pick: 'Kies een tijd die u past.',
    none: 'Via deze link is geen tijd meer vrij. Beantwoord alstublieft de ontvangen e-mail.',
    confirm: 'Het gesprek boeken op {when}?', book: 'Deze tijd boeken', back: 'Terug',
    booked: 'Uw gesprek is geboekt:', where: 'Plaats: {place}', video: 'Videolink: {link}',
    change: 'Een andere tijd kiezen', cancel: 'Het gesprek afzeggen',
    cancelSure: 'Het gesprek op {when} afzeggen?', cancelYes: 'Ja, afzeggen',
    cancelled: 'Het gesprek is afgezegd.', fixed: 'Het kan hier niet meer worden gewijzigd.',
    until: 'U kunt het hier tot {when} verzetten of afzeggen.',
    taken: 'Die tijd is net bezet. Kies alstublieft een andere.',
    gone: 'Deze link is niet meer geldig.', slow: 'Te veel pogingen. Wacht een minuut.',
    failed: 'Er ging iets mis. Probeer het opnieuw.', mail: 'Er is een uitnodiging onderweg naar uw inbox.',
  },
};

const VIEW = `query($token: String!, $zone: String!) { schedulingLink(token: $token, timeZone: $zone) {
  positionName companyName durationMinutes timeZone slots { startsAt }
  booking { startsAt location videoLink canChange changeDeadline cancelled } } }`;
const BOOK = `mutation($i: BookInterviewSlotInput!) { bookInterviewSlot(input: $i) {
  booking { startsAt location videoLink canChange changeDeadline cancelled } } }`;
const CANCEL = `mutation($i: CancelInterviewBookingInput!) { cancelInterviewBooking(input: $i) {
  booking { startsAt location videoLink canChange changeDeadline cancelled } } }`;

const locale = navigator.language || 'en';
const words = WORDS[locale.slice(0, 2).toLowerCase()] || WORDS.en;
let zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
let link = null;

function say(key, values = {}) {
  return words[key].replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

function when(instant, options) {
  return new Intl.DateTimeFormat(locale, { timeZone: zone, ...options }).format(new Date(instant));
}
const fullTime = (instant) => when(instant, { dateStyle: 'full', timeStyle: 'short' });

function failure(error) {
  switch (error.code) {
    case 'NOT_FOUND': return say('gone');
    case 'RATE_LIMITED': return say('slow');
    default: return say('failed');
  }
}

function show(section) {
  for (const id of ['booking', 'choose', 'confirm']) $(id).hidden = id !== section;
}

function renderHeader() {
  $('title').textContent = say('title', { position: link.positionName });
  $('subtitle').textContent = say('subtitle', { company: link.companyName, minutes: link.durationMinutes });
  document.title = $('title').textContent;
}

function renderSlots(starts) {
  const days = $('days');
  days.replaceChildren();
  if (!starts.length) {
    const empty = document.createElement('p');
    empty.textContent = say('none');
    days.append(empty);
    return;
  }
  const intro = document.createElement('p');
  intro.textContent = say('pick');
  days.append(intro);
  let list = null;
  let day = '';
  for (const start of starts) {
    const label = when(start, { dateStyle: 'full' });
    if (label !== day) {
      day = label;
      const heading = document.createElement('h2');
      heading.textContent = label;
      list = document.createElement('div');
      list.className = 'slots';
      days.append(heading, list);
    }
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'slot';
    button.dataset.start = start;
    button.textContent = when(start, { timeStyle: 'short' });
    button.addEventListener('click', () => askToBook(start));
    list.append(button);
  }
}

function renderZones() {
  const select = $('zone');
  $('zone-label').textContent = say('zone');
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const all = zones.includes(zone) ? zones : [zone, ...zones];
  select.replaceChildren(...all.map((name) => new Option(name.replace(/_/g, ' '), name, false, name === zone)));
  select.onchange = () => { zone = select.value; load(); };
}

function renderBooking() {
  const booking = link.booking;
  const section = $('booking');
  section.replaceChildren();
  const line = (text) => { const p = document.createElement('p'); p.textContent = text; section.append(p); return p; };
  if (booking.cancelled) {
    line(say('cancelled'));
    show('booking');
    return;
  }
  line(say('booked'));
  line(fullTime(booking.startsAt)).className = 'when';
  if (booking.location) line(say('where', { place: booking.location }));
  if (booking.videoLink) line(say('video', { link: booking.videoLink }));
  line(booking.canChange ? say('until', { when: fullTime(booking.changeDeadline) }) : say('fixed'));
  if (booking.canChange) {
    const actions = document.createElement('div');
    actions.className = 'actions';
    const change = document.createElement('button');
    change.type = 'button';
    change.id = 'change';
    change.textContent = say('change');
    change.addEventListener('click', () => { notice(''); show('choose'); });
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.id = 'cancel';
    cancel.className = 'secondary';
    cancel.textContent = say('cancel');
    cancel.addEventListener('click', askToCancel);
    actions.append(change, cancel);
    section.append(actions);
  }
  show('booking');
}

function ask(text, yes, action) {
  $('confirm-text').textContent = text;
  $('confirm-yes').textContent = yes;
  $('confirm-no').textContent = say('back');
  $('confirm-no').onclick = () => { notice(''); show(link.booking && !link.booking.cancelled ? 'booking' : 'choose'); };
  $('confirm-yes').onclick = async () => {
    $('confirm-yes').disabled = true;
    try {
      await action();
    } finally {
      $('confirm-yes').disabled = false;
    }
  };
  show('confirm');
}

function askToBook(start) {
  ask(say('confirm', { when: fullTime(start) }), say('book'), async () => {
    try {
      const data = await call(BOOK, { i: { token, startsAt: start, timeZone: zone } });
      link.booking = data.bookInterviewSlot.booking;
      notice(say('mail'));
      await load(false);
    } catch (error) {
      if (error.code === 'CONFLICT' && Array.isArray(error.extensions.freeSlots)) {
        notice(say('taken'), true);
        renderSlots(error.extensions.freeSlots);
        show('choose');
      } else {
        notice(failure(error), true);
      }
    }
  });
}

function askToCancel() {
  ask(say('cancelSure', { when: fullTime(link.booking.startsAt) }), say('cancelYes'), async () => {
    try {
      const data = await call(CANCEL, { i: { token } });
      link.booking = data.cancelInterviewBooking.booking;
      notice('');
      renderBooking();
    } catch (error) {
      notice(failure(error), true);
    }
  });
}

/** Reads the link on the chosen clock and shows what the candidate can do. */
async function load(clearNotice = true) {
  try {
    const data = await call(VIEW, { token, zone });
    link = data.schedulingLink;
  } catch (error) {
    if (error.code === 'VALIDATION' && zone !== 'UTC') {
      zone = 'UTC';
      return load(clearNotice);
    }
    show(null);
    notice(failure(error), true);
    return;
  }
  if (clearNotice) notice('');
  renderHeader();
  renderZones();
  renderSlots(link.slots.map((slot) => slot.startsAt));
  if (link.booking) {
    renderBooking();
  } else {
    show('choose');
  }
}

document.documentElement.lang = locale;
load();
