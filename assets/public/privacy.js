// The candidate's privacy page behind {{ privacy_link }}: lists their
// applications with a button to withdraw each, and lets them ask for a copy
// or the erasure of their data (GDPR Art. 15 and 17). It only calls the
// public GraphQL operations (privacyPage, withdrawApplication,
// requestDataExport, requestErasure) with the token from its own address;
// it needs no bearer token and loads nothing from other hosts. It speaks the
// candidate's language as the server reports it. `token`, `$`, `call` and
// `notice` come from page.js, loaded first.
'use strict';

const WORDS = {
  en: {
    title: 'Your applications at {company}',
    subtitle: 'Hello {name}. Here you can withdraw an application or ask for a copy or the erasure of your data.',
    applications: 'Your applications', none: 'You have no applications with us.',
    NEW: 'received', IN_PROCESS: 'in progress', OFFER: 'offer made', HIRED: 'hired', REJECTED: 'not successful', WITHDRAWN: 'withdrawn',
    withdraw: 'Withdraw', withdrawSure: 'Withdraw your application for {position}? This cannot be undone here.',
    withdrawYes: 'Yes, withdraw it', withdrawn: 'Your application for {position} was withdrawn.',
    data: 'Your data', dataText: 'You can ask for a copy of the data we hold about you, or for its erasure. We answer within one month.',
    export: 'Ask for a copy of my data', exportSure: 'Ask {company} for a copy of your data?', exportYes: 'Yes, ask for a copy',
    erase: 'Ask to erase my data',
    eraseSure: 'Ask {company} to erase your data? From now on you will receive no messages from us, except about applications you make later.',
    eraseYes: 'Yes, erase my data',
    EXPORT: 'Copy of your data asked for on {date}; answer due by {due}.',
    ERASURE: 'Erasure of your data asked for on {date}; answer due by {due}.',
    asked: 'We have received your request.', back: 'Back',
    gone: 'This link is not valid.', slow: 'Too many attempts. Please wait a minute and try again.',
    failed: 'Something went wrong. Please try again.',
  },
  de: {
    title: 'Ihre Bewerbungen bei {company}',
    subtitle: 'Hallo {name}. Hier können Sie eine Bewerbung zurückziehen oder eine Kopie oder die Löschung Ihrer Daten verlangen.',
    applications: 'Ihre Bewerbungen', none: 'Sie haben keine Bewerbungen bei uns.',
    NEW: 'eingegangen', IN_PROCESS: 'in Bearbeitung', OFFER: 'Angebot erhalten', HIRED: 'eingestellt', REJECTED: 'abgesagt', WITHDRAWN: 'zurückgezogen',
    withdraw: 'Zurückziehen', withdrawSure: 'Ihre Bewerbung als {position} zurückziehen? Das lässt sich hier nicht rückgängig machen.',
    withdrawYes: 'Ja, zurückziehen', withdrawn: 'Ihre Bewerbung als {position} wurde zurückgezogen.',
    data: 'Ihre Daten', dataText: 'Sie können eine Kopie der Daten, die wir über Sie speichern, oder deren Löschung verlangen. Wir antworten innerhalb eines Monats.',
    export: 'Kopie meiner Daten anfordern', exportSure: 'Bei {company} eine Kopie Ihrer Daten anfordern?', exportYes: 'Ja, Kopie anfordern',
    erase: 'Löschung meiner Daten verlangen',
    eraseSure: '{company} um die Löschung Ihrer Daten bitten? Sie erhalten dann keine Nachrichten mehr von uns, außer zu Bewerbungen, die Sie später einreichen.',
    eraseYes: 'Ja, Daten löschen',
    EXPORT: 'Kopie Ihrer Daten angefordert am {date}; Antwort bis {due}.',
    ERASURE: 'Löschung Ihrer Daten verlangt am {date}; Antwort bis {due}.',
    asked: 'Wir haben Ihre Anfrage erhalten.', back: 'Zurück',
    gone: 'Dieser Link ist nicht gültig.', slow: 'Zu viele Versuche. Bitte warten Sie eine Minute.',
    failed: 'Etwas ist schiefgegangen. Bitte versuchen Sie es erneut.',
  },
  fr: {
    title: 'Vos candidatures chez {company}',
    subtitle: 'Bonjour {name}. Vous pouvez ici retirer une candidature ou demander une copie ou l’effacement de vos données.',
    applications: 'Vos candidatures', none: 'Vous n’avez aucune candidature chez nous.',
    NEW: 'reçue', IN_PROCESS: 'en cours', OFFER: 'offre faite', HIRED: 'embauche', REJECTED: 'non retenue', WITHDRAWN: 'retirée',
    withdraw: 'Retirer', withdrawSure: 'Retirer votre candidature au poste {position} ? Cela ne peut pas être annulé ici.',
    withdrawYes: 'Oui, la retirer', withdrawn: 'Votre candidature au poste {position} a été retirée.',
    data: 'Vos données', dataText: 'Vous pouvez demander une copie des données que nous détenons sur vous, ou leur effacement. Nous répondons sous un mois.',
    export: 'Demander une copie de mes données', exportSure: 'Demander à {company} une copie de vos données ?', exportYes: 'Oui, demander une copie',
    erase: 'Demander l’effacement de mes données',
    eraseSure: 'Demander à {company} d’effacer vos données ? Vous ne recevrez plus de messages de notre part, sauf au sujet de candidatures que vous ferez plus tard.',
    eraseYes: 'Oui, effacer mes données',
    EXPORT: 'Copie de vos données demandée le {date} ; réponse au plus tard le {due}.',
    ERASURE: 'Effacement de vos données demandé le {date} ; réponse au plus tard le {due}.',
    asked: 'Nous avons bien reçu votre demande.', back: 'Retour',
    gone: 'Ce lien n’est pas valable.', slow: 'Trop de tentatives. Merci de patienter une minute.',
    failed: 'Une erreur est survenue. Merci de réessayer.',
  },
  es: {
    title: 'Sus candidaturas en {company}',
    subtitle: 'Hola, {name}. Aquí puede retirar una candidatura o pedir una copia o la supresión de sus datos.',
    applications: 'Sus candidaturas', none: 'No tiene candidaturas con nosotros.',
    NEW: 'recibida', IN_PROCESS: 'en curso', OFFER: 'oferta hecha', HIRED: 'contratado', REJECTED: 'no seleccionada', WITHDRAWN: 'retirada',
    withdraw: 'Retirar', withdrawSure: '¿Retirar su candidatura para {position}? No se podrá deshacer aquí.',
    withdrawYes: 'Sí, retirarla', withdrawn: 'Su candidatura para {position} se ha retirado.',
    data: 'Sus datos', dataText: 'Puede pedir una copia de los datos que tenemos sobre usted, o su supresión. Respondemos en el plazo de un mes.',
    export: 'Pedir una copia de mis datos', exportSure: '¿Pedir a {company} una copia de sus datos?', exportYes: 'Sí, pedir una copia',
    erase: 'Pedir la supresión de mis datos',
    eraseSure: '¿Pedir a {company} que suprima sus datos? Desde ahora no recibirá mensajes nuestros, salvo sobre candidaturas que presente más adelante.',
    eraseYes: 'Sí, suprimir mis datos',
    EXPORT: 'Copia de sus datos pedida el {date}; respuesta a más tardar el {due}.',
    ERASURE: 'Supresión de sus datos pedida el {date}; respuesta a más tardar el {due}.',
    asked: 'Hemos recibido su solicitud.', back: 'Volver',
    gone: 'Este enlace no es válido.', slow: 'Demasiados intentos. Espere un minuto, por favor.',
    failed: 'Algo ha fallado. Inténtelo de nuevo.',
  },
  it: {
    title: 'Le sue candidature presso {company}',
    subtitle: 'Buongiorno {name}. Qui può ritirare una candidatura o chiedere una copia o la cancellazione dei suoi dati.',
    applications: 'Le sue candidature', none: 'Non ha candidature presso di noi.',
    NEW: 'ricevuta', IN_PROCESS: 'in corso', OFFER: 'offerta fatta', HIRED: 'assunzione', REJECTED: 'non selezionata', WITHDRAWN: 'ritirata',
    withdraw: 'Ritira', withdrawSure: 'Ritirare la candidatura per {position}? Non si potrà annullare qui.',
    withdrawYes: 'Sì, ritirala', withdrawn: 'La candidatura per {position} è stata ritirata.',
    data: 'I suoi dati', dataText: 'Può chiedere una copia dei dati che conserviamo su di lei, o la loro cancellazione. Rispondiamo entro un mese.',
    export: 'Chiedi una copia dei miei dati', exportSure: 'Chiedere a {company} una copia dei suoi dati?', exportYes: 'Sì, chiedi una copia',
    erase: 'Chiedi la cancellazione dei miei dati',
    eraseSure: 'Chiedere a {company} di cancellare i suoi dati? Da ora non riceverà più messaggi da noi, salvo su candidature che presenterà in seguito.',
    eraseYes: 'Sì, cancella i miei dati',
    EXPORT: 'Copia dei dati chiesta il {date}; risposta entro il {due}.',
    ERASURE: 'Cancellazione dei dati chiesta il {date}; risposta entro il {due}.',
    asked: 'Abbiamo ricevuto la sua richiesta.', back: 'Indietro',
    gone: 'Questo link non è valido.', slow: 'Troppi tentativi. Attenda un minuto.',
    failed: 'Qualcosa è andato storto. Riprovi.',
  },
  nl: {
    title: 'Uw sollicitaties bij {company}',
    subtitle: 'Hallo {name}. Hier kunt u een sollicitatie intrekken of om een kopie of het wissen van uw gegevens vragen.',
    applications: 'Uw sollicitaties', none: 'U hebt geen sollicitaties bij ons.',
    NEW: 'ontvangen', IN_PROCESS: 'in behandeling', OFFER: 'aanbod gedaan', HIRED: 'aangenomen', REJECTED: 'afgewezen', WITHDRAWN: 'ingetrokken',
    withdraw: 'Intrekken', withdrawSure: 'Uw sollicitatie voor {position} intrekken? Dit kan hier niet ongedaan worden gemaakt.',
    withdrawYes: 'Ja, intrekken', withdrawn: 'Uw sollicitatie voor {position} is ingetrokken.',
    data: 'Uw gegevens', dataText: 'U kunt om een kopie vragen van de gegevens die wij over u bewaren, of om het wissen ervan. Wij antwoorden binnen een maand.',
    export: 'Kopie van mijn gegevens vragen', exportSure: '{company} om een kopie van uw gegevens vragen?', exportYes: 'Ja, kopie vragen',
    erase: 'Mijn gegevens laten wissen',
    eraseSure: '{company} vragen uw gegevens te wissen? U ontvangt dan geen berichten meer van ons, behalve over sollicitaties die u later doet.',
    eraseYes: 'Ja, mijn gegevens wissen',
    EXPORT: 'Kopie van uw gegevens gevraagd op {date}; antwoord uiterlijk {due}.',
    ERASURE: 'Wissen van uw gegevens gevraagd op {date}; antwoord uiterlijk {due}.',
    asked: 'Wij hebben uw verzoek ontvangen.', back: 'Terug',
    gone: 'Deze link is niet geldig.', slow: 'Te veel pogingen. Wacht een minuut.',
    failed: 'Er ging iets mis. Probeer het opnieuw.',
  },
};

const VIEW = `query($token: String!) { privacyPage(token: $token) {
  firstName companyName language
  applications { id positionName status canWithdraw }
  openRequests { kind createdAt dueAt } } }`;
const WITHDRAW = `mutation($i: WithdrawApplicationInput!) { withdrawApplication(input: $i) {
  application { id positionName status canWithdraw } } }`;
const EXPORT = `mutation($i: PrivacyRequestInput!) { requestDataExport(input: $i) { request { kind } } }`;
const ERASE = `mutation($i: PrivacyRequestInput!) { requestErasure(input: $i) { request { kind } } }`;

let locale = navigator.language || 'en';
let words = WORDS[locale.slice(0, 2).toLowerCase()] || WORDS.en;
let page = null;

function say(key, values = {}) {
  return words[key].replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

const day = (instant) => new Intl.DateTimeFormat(locale, { dateStyle: 'long' }).format(new Date(instant));

function failure(error) {
  if (error.code === 'NOT_FOUND') return say('gone');
  if (error.code === 'RATE_LIMITED') return say('slow');
  return say('failed');
}

function show(section) {
  for (const id of ['overview', 'confirm']) $(id).hidden = id !== section;
}

function button(text, id, action, className = '') {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  if (id) b.id = id;
  if (className) b.className = className;
  b.addEventListener('click', action);
  return b;
}

function render() {
  $('title').textContent = say('title', { company: page.companyName });
  $('subtitle').textContent = say('subtitle', { name: page.firstName });
  document.title = $('title').textContent;
  $('applications-title').textContent = say('applications');
  const list = $('applications');
  list.replaceChildren();
  if (!page.applications.length) {
    const li = document.createElement('li');
    li.textContent = say('none');
    list.append(li);
  }
  for (const application of page.applications) {
    const li = document.createElement('li');
    li.dataset.id = application.id;
    li.textContent = `${application.positionName} — ${say(application.status)}`;
    if (application.canWithdraw) {
      li.append(button(say('withdraw'), '', () => askToWithdraw(application), 'secondary withdraw'));
    }
    list.append(li);
  }
  $('data-title').textContent = say('data');
  $('data-text').textContent = say('dataText');
  const requests = $('requests');
  requests.replaceChildren(...page.openRequests.map((request) => {
    const li = document.createElement('li');
    li.textContent = say(request.kind, { date: day(request.createdAt), due: day(request.dueAt) });
    return li;
  }));
  const open = (kind) => page.openRequests.some((request) => request.kind === kind);
  $('export').textContent = say('export');
  $('export').hidden = open('EXPORT');
  $('export').onclick = () => askToRequest(EXPORT, 'exportSure', 'exportYes');
  $('erase').textContent = say('erase');
  $('erase').hidden = open('ERASURE');
  $('erase').onclick = () => askToRequest(ERASE, 'eraseSure', 'eraseYes');
  show('overview');
}

function ask(text, yes, action) {
  $('confirm-text').textContent = text;
  $('confirm-yes').textContent = yes;
  $('confirm-no').textContent = say('back');
  $('confirm-no').onclick = () => { notice(''); show('overview'); };
  $('confirm-yes').onclick = async () => {
    $('confirm-yes').disabled = true;
    try {
      await action();
    } catch (error) {
      notice(failure(error), true);
      show('overview');
    } finally {
      $('confirm-yes').disabled = false;
    }
  };
  show('confirm');
}

function askToWithdraw(application) {
  const position = application.positionName;
  ask(say('withdrawSure', { position }), say('withdrawYes'), async () => {
    await call(WITHDRAW, { i: { token, applicationId: application.id } });
    await load();
    notice(say('withdrawn', { position }));
  });
}

function askToRequest(mutation, sure, yes) {
  ask(say(sure, { company: page.companyName }), say(yes), async () => {
    await call(mutation, { i: { token } });
    await load();
    notice(say('asked'));
  });
}

/** Reads the page and shows what the candidate can do. */
async function load() {
  try {
    page = (await call(VIEW, { token })).privacyPage;
  } catch (error) {
    show(null);
    notice(failure(error), true);
    return;
  }
  locale = page.language || locale;
  words = WORDS[locale.slice(0, 2).toLowerCase()] || WORDS.en;
  document.documentElement.lang = locale;
  notice('');
  render();
}

document.documentElement.lang = locale;
load();
