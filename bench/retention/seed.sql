-- 100,000 candidates of the first company, set up in bulk. Candidate g
-- (1..:n) is, by g % 5:
--   0  due: rejected 200 days ago (the subsidiary keeps 180 days)
--   1  open: an application in NEW, 400 days old
--   2  not yet due: rejected 30 days ago
--   3  no application, last changed 10 days ago (the company keeps 180)
--   4  on legal hold, rejected 200 days ago
-- Each has two messages (one sent with its recipient, one received, both
-- with contents) and one document. The due candidates' documents have a
-- file of their own; everyone else's share one file.
\set ON_ERROR_STOP 1
BEGIN;
INSERT INTO subsidiaries (company_id, name, use_custom_smtp, smtp_security, created_at)
  SELECT id, 'Bench GmbH', false, 'NONE', now() FROM companies ORDER BY id LIMIT 1;
INSERT INTO recruiting_categories (company_id, name, auto_reply_online, auto_reply_email, created_at)
  SELECT id, 'Bench', false, false, now() FROM companies ORDER BY id LIMIT 1;
INSERT INTO positions (company_id, subsidiary_id, category_id, name, status, created_at)
  SELECT s.company_id, s.id, c.id, 'Bench Engineer', 'OPEN', now()
  FROM subsidiaries s JOIN recruiting_categories c ON c.company_id = s.company_id;

INSERT INTO candidates (company_id, first_name, last_name, email, gender, created_at, updated_at)
  SELECT co.id, 'Bench', g::text, 'cand' || g || '@bench.example', 'UNKNOWN',
         now() - interval '400 days',
         CASE WHEN g % 5 = 3 THEN now() - interval '10 days' ELSE now() - interval '400 days' END
  FROM generate_series(1, :n) g, (SELECT id FROM companies ORDER BY id LIMIT 1) co;

INSERT INTO applications (company_id, candidate_id, position_id, source, status, created_at, updated_at, closed_at)
  SELECT c.company_id, c.id, p.id, 'MANUAL',
         CASE WHEN c.last_name::int % 5 = 1 THEN 'NEW' ELSE 'REJECTED' END,
         now() - interval '400 days', now() - interval '200 days',
         CASE c.last_name::int % 5
           WHEN 1 THEN NULL
           WHEN 2 THEN now() - interval '30 days'
           ELSE now() - interval '200 days' END
  FROM candidates c JOIN positions p ON p.company_id = c.company_id
  WHERE c.last_name::int % 5 <> 3;

INSERT INTO candidate_legal_holds (candidate_id, company_id, since, reason, set_by_user_id)
  SELECT id, company_id, now(), 'Bench hold', NULL FROM candidates WHERE last_name::int % 5 = 4;

-- Two messages per candidate, tagged in reply_token with the candidate
-- so that their contents and recipients can be joined in bulk.
INSERT INTO messages (company_id, candidate_id, direction, status, subject, from_address,
                      attempts, created_at, sent_at, received_at, reply_token, message_id_header)
  SELECT c.company_id, c.id, d.direction, d.status, 'Your application ' || c.last_name,
         CASE d.direction WHEN 'OUTBOUND' THEN 'jobs@bench.example' ELSE c.email END,
         CASE d.direction WHEN 'OUTBOUND' THEN 1 ELSE 0 END,
         now() - interval '300 days',
         CASE d.direction WHEN 'OUTBOUND' THEN now() - interval '300 days' END,
         CASE d.direction WHEN 'INBOUND' THEN now() - interval '300 days' END,
         'bench-' || d.direction || '-' || c.id,
         '<' || d.direction || '.' || c.id || '@bench.example>'
  FROM candidates c,
       (VALUES ('OUTBOUND', 'SENT'), ('INBOUND', 'RECEIVED')) AS d(direction, status);
INSERT INTO message_contents (message_id, text_body)
  SELECT m.id, 'Dear Bench ' || c.last_name || ', thank you for applying.'
  FROM messages m JOIN candidates c ON c.id = m.candidate_id;
INSERT INTO message_recipients (message_id, kind, address, name)
  SELECT m.id, 'TO', c.email, 'Bench ' || c.last_name
  FROM messages m JOIN candidates c ON c.id = m.candidate_id
  WHERE m.direction = 'OUTBOUND';

INSERT INTO documents (company_id, candidate_id, file_name, content_type, size_bytes, sha256,
                       blob_key, created_at, source)
  SELECT c.company_id, c.id, 'cv-' || c.last_name || '.txt', 'text/plain',
         CASE WHEN c.last_name::int % 5 = 0 THEN length('bench document ' || c.last_name)
              ELSE length('shared bench document') END,
         h.digest, 'sha256/' || substr(h.digest, 1, 2) || '/' || h.digest,
         now() - interval '300 days', 'UPLOAD'
  FROM candidates c,
       LATERAL (SELECT encode(sha256(convert_to(
                  CASE WHEN c.last_name::int % 5 = 0 THEN 'bench document ' || c.last_name
                       ELSE 'shared bench document' END, 'UTF8')), 'hex') AS digest) h;
-- Each content counted once per document that names it.
INSERT INTO blobs (blob_key, sha256, size_bytes, reference_count)
  SELECT blob_key, MIN(sha256), MAX(size_bytes), COUNT(*) FROM documents GROUP BY blob_key;
COMMIT;
ANALYZE;
