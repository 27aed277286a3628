-- The tables config/examples/vvt-sql.yaml reads: a long-term-care (VVT) client record system's
-- own schema, reduced to what the Overgevoeligheden (allergies) service needs. The gateway's
-- database role gets SELECT on these tables and nothing else (see the example's comments).
CREATE TABLE client (
  client_id    text PRIMARY KEY,
  bsn          text NOT NULL UNIQUE,
  display_name text NOT NULL
);

-- One row per recorded hypersensitivity. Codes are the system's own where it has them (status,
-- category, severity); the substance is a SNOMED CT concept.
CREATE TABLE allergy (
  allergy_id     text PRIMARY KEY,
  client_id      text NOT NULL REFERENCES client (client_id),
  status         text NOT NULL CHECK (status IN ('A', 'I', 'O')),      -- actief, inactief, opgelost
  category       text NOT NULL CHECK (category IN ('MED', 'VOE', 'OMG')), -- medicijn, voeding, omgeving
  severity       text CHECK (severity IN ('L', 'H')),                   -- laag, hoog risico
  substance_code text NOT NULL,
  substance_name text NOT NULL,
  recorded_on    date NOT NULL
);
CREATE INDEX allergy_client ON allergy (client_id);
