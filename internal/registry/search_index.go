package registry

import "github.com/yangguang-cdpf/yangguang/internal/store"

// The filtered page (a category in a township or the county, village
// order) reads its 50 rows from an index on the category, then the village
// and the id. The village is indexed as an expression (categoryVillage)
// and only this search names it so: an index leading to (village_code,
// id) of some category looks to SQLite like a way into any region's
// persons (skip-scanning the seven categories) and it chose it to drive
// joins of other tables with persons, ten to a hundred times slower
// (BENCHMARKS.md, 2026-11-29). Under its own expression no other query can
// pick it.
const categoryVillage = "(village_code || '')"

var categoryVillageIndex = store.Migration{
	Version: 2026112973,
	Name:    "persons_category_village",
	SQL: `CREATE INDEX persons_category_village ON persons(category, (village_code || ''), id);
ANALYZE persons_category_village;`,
	PostgresSQL: `CREATE INDEX persons_category_village ON persons(category, (village_code || ''), id);`,
}

func init() { Migrations = append(Migrations, categoryVillageIndex) }

// birthFilters widens the birth-date index by the columns the programme
// radar's age-band rules filter on besides age (status, the household's
// assistance flags, the village). The engine tests them on the index
// entry and reads the wide persons row only for a match — and a count of
// a rule that names nothing else (the education coverage) reads no row at
// all: at a million persons 70,000 rows read became none (BENCHMARKS.md).
// The index still leads with (birth_date, id), the order of the registry's
// age-sorted pages.
var birthFilters = store.Migration{
	Version: 2026120101,
	Name:    "persons_birth_filters",
	SQL: `DROP INDEX persons_birth;
CREATE INDEX persons_birth ON persons(birth_date, id, status, dibao, tekun, poverty_registered, village_code);
ANALYZE persons_birth;`,
	PostgresSQL: `DROP INDEX persons_birth;
CREATE INDEX persons_birth ON persons(birth_date, id, status, dibao, tekun, poverty_registered, village_code);`,
}

func init() { Migrations = append(Migrations, birthFilters) }
