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
