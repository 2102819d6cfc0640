package programme

import "github.com/yangguang-cdpf/yangguang/internal/store"

// A tag carries its person's village (kept by triggers on persons, so a
// move re-files the tags too): the figures count tagged persons of a
// township from the tags' own index instead of looking up each tagged
// person's row — at a million persons the rehabilitation service rate
// read 49,000 persons for its denominator (0.25 s, BENCHMARKS.md).
// TestTagVillageFollowsPerson holds the column to the persons table.
var tagAreaMigration = store.Migration{
	Version: 2026120102, // after the programme's tables and persons' sealing
	Name:    "programme_tag_area",
	SQL: tagAreaColumn + `
CREATE TRIGGER persons_tag_area AFTER UPDATE OF village_code ON persons
WHEN OLD.village_code <> NEW.village_code BEGIN
	UPDATE prog_person_tags SET village_code = NEW.village_code WHERE person_id = NEW.id;
END;
`,
	PostgresSQL: tagAreaColumn + `
CREATE FUNCTION persons_tag_area() RETURNS trigger AS $$
BEGIN
	UPDATE prog_person_tags SET village_code = NEW.village_code WHERE person_id = NEW.id;
	RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER persons_tag_area AFTER UPDATE OF village_code ON persons
FOR EACH ROW WHEN (OLD.village_code IS DISTINCT FROM NEW.village_code) EXECUTE FUNCTION persons_tag_area();
`,
}

const tagAreaColumn = `
ALTER TABLE prog_person_tags ADD COLUMN village_code TEXT NOT NULL DEFAULT '';
UPDATE prog_person_tags SET village_code = (SELECT p.village_code FROM persons p WHERE p.id = prog_person_tags.person_id);
DROP INDEX prog_person_tags_tag;
CREATE INDEX prog_person_tags_tag ON prog_person_tags(tag, village_code, person_id);
`

func init() { Migrations = append(Migrations, tagAreaMigration) }
