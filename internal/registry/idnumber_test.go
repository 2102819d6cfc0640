package registry

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// cst is China Standard Time without depending on the tz database.
var cst = time.FixedZone("CST", 8*3600)

// idToday is the fixed "today" of the ID tests: 2026-06-15 00:30 in Beijing,
// which is still 2026-06-14 in UTC, so the tests also show that the
// calendar date of today is taken in today's own location.
var idToday = time.Date(2026, 6, 15, 0, 30, 0, 0, cst)

func TestIDCheckChar(t *testing.T) {
	tests := []struct {
		first17 string
		want    byte
	}{
		{"11010519491231002", 'X'}, // RULES.md example, S = 167
		{"34152319900101100", '3'},
		{"11010320000229001", '0'},
		{"44030619991231123", 'X'},
		{"11010519491231001", '1'},
		{"11010519491231020", '6'},
		{"32010219870701005", '0'},
		{"11010519800101000", '8'},
		{"1101051949123100", 0},   // 16 digits
		{"110105194912310021", 0}, // 18 digits
		{"1101051949123100X", 0},  // not a digit
		{"", 0},
	}
	for _, tt := range tests {
		if got := IDCheckChar(tt.first17); got != tt.want {
			t.Errorf("IDCheckChar(%q) = %q, want %q", tt.first17, got, tt.want)
		}
	}
}

func TestNormalizeIDNumber(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"11010519491231002X", "11010519491231002X"},
		{"11010519491231002x", "11010519491231002X"},
		{"  11010519491231002X\t\n", "11010519491231002X"},
		{"110105 1949 1231 002x", "11010519491231002X"},
		{"110105\u300019491231\u3000002X", "11010519491231002X"},
		{"１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"},
		{"１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"},
		{"\ufeff11010519491231002X\u200b", "11010519491231002X"},
		{"\u3000\u3000", ""},
		{"3.41523E+17", "3.41523E+17"}, // not a validator: other characters stay
		{"ab-12", "ab-12"},
	}
	for _, tt := range tests {
		if got := NormalizeIDNumber(tt.in); got != tt.want {
			t.Errorf("NormalizeIDNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseIDNumberValid(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		number string
		area   string
		birth  string // YYYY-MM-DD
		sex    int
		legacy bool
	}{
		{"RULES example", "11010519491231002X", "11010519491231002X", "110105", "1949-12-31", SexFemale, false},
		{"lower-case x", "11010519491231002x", "11010519491231002X", "110105", "1949-12-31", SexFemale, false},
		{"full-width", "１１０１０５１９４９１２３１００２ｘ", "11010519491231002X", "110105", "1949-12-31", SexFemale, false},
		{"spaces and tabs", " 110105 19491231\t002X ", "11010519491231002X", "110105", "1949-12-31", SexFemale, false},
		{"ideographic spaces", "\u3000110105\u300019491231\u3000002X\u3000", "11010519491231002X", "110105", "1949-12-31", SexFemale, false},
		{"legacy 15 digits", "110105491231002", "11010519491231002X", "110105", "1949-12-31", SexFemale, true},
		{"legacy 15 digits full-width with space", "１１０１０５ ４９１２３１００２", "11010519491231002X", "110105", "1949-12-31", SexFemale, true},
		{"legacy male", "110105491231001", "110105194912310011", "110105", "1949-12-31", SexMale, true},
		{"male, odd 17th digit", "110105194912310011", "110105194912310011", "110105", "1949-12-31", SexMale, false},
		{"Feb 29 of leap year 2000, abolished area 110103", "110103200002290010", "110103200002290010", "110103", "2000-02-29", SexMale, false},
		{"Feb 29 of leap year 2024", "11010520240229002X", "11010520240229002X", "110105", "2024-02-29", SexFemale, false},
		{"check X on male", "44030619991231123X", "44030619991231123X", "440306", "1999-12-31", SexMale, false},
		{"valid number ending in 0", "320102198707010050", "320102198707010050", "320102", "1987-07-01", SexMale, false},
		{"valid number ending in 00 is not Excel", "110105196001150300", "110105196001150300", "110105", "1960-01-15", SexFemale, false},
		{"born today (Beijing date)", "110105202606150010", "110105202606150010", "110105", "2026-06-15", SexMale, false},
		{"born 1900-01-01", "460000190001010012", "460000190001010012", "460000", "1900-01-01", SexMale, false},
		{"Hong Kong 81", "810000198001010014", "810000198001010014", "810000", "1980-01-01", SexMale, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := ParseIDNumber(tt.in, idToday)
			if err != nil {
				t.Fatalf("ParseIDNumber(%q) error %v", tt.in, err)
			}
			if info.Number != tt.number {
				t.Errorf("Number = %q, want %q", info.Number, tt.number)
			}
			if info.AreaCode != tt.area {
				t.Errorf("AreaCode = %q, want %q", info.AreaCode, tt.area)
			}
			if got := info.BirthDate.Format(time.DateOnly); got != tt.birth {
				t.Errorf("BirthDate = %s, want %s", got, tt.birth)
			}
			if info.BirthDate.Location() != time.UTC || info.BirthDate.Hour() != 0 {
				t.Errorf("BirthDate = %v, want 00:00 UTC", info.BirthDate)
			}
			if info.Sex != tt.sex {
				t.Errorf("Sex = %d, want %d", info.Sex, tt.sex)
			}
			if info.Legacy15 != tt.legacy {
				t.Errorf("Legacy15 = %v, want %v", info.Legacy15, tt.legacy)
			}
			// The normalised number parses to itself.
			again, err := ParseIDNumber(info.Number, idToday)
			if err != nil || again.Number != info.Number || again.Legacy15 {
				t.Errorf("re-parse of %q = %+v, %v", info.Number, again, err)
			}
		})
	}
}

func TestParseIDNumberErrors(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		today time.Time // zero: idToday
		code  string
		msg   string
	}{
		{"empty", "", time.Time{}, IDErrEmpty, "请填写身份证号"},
		{"only spaces", " \u3000\t", time.Time{}, IDErrEmpty, "请填写身份证号"},

		{"16 digits", "1101051949123100", time.Time{}, IDErrLength, "身份证号应为18位（或15位旧号），实际为16位"},
		{"19 characters", "11010519491231002X1", time.Time{}, IDErrLength, "身份证号应为18位（或15位旧号），实际为19位"},
		{"17 full-width counted as characters", "１１０１０５１９４９１２３１００２", time.Time{}, IDErrLength, "身份证号应为18位（或15位旧号），实际为17位"},

		{"letter Y at the end", "11010519491231002Y", time.Time{}, IDErrChars, "身份证号只能包含数字，最后一位可为X"},
		{"X not last", "1101051949123100X2", time.Time{}, IDErrChars, "身份证号只能包含数字，最后一位可为X"},
		{"letter inside", "11010519491231A02X", time.Time{}, IDErrChars, "身份证号只能包含数字，最后一位可为X"},
		{"hyphen", "110105-1949123100X", time.Time{}, IDErrChars, "身份证号只能包含数字，最后一位可为X"},
		{"Chinese character at the end", "11010519491231002中", time.Time{}, IDErrChars, "身份证号只能包含数字，最后一位可为X"},
		{"legacy with X", "11010549123100X", time.Time{}, IDErrChars, "15位旧身份证号只能包含数字"},

		{"Feb 29 of 1900 (not a leap year)", "110103190002290014", time.Time{}, IDErrBirth, "身份证号中的出生日期无效：19000229"},
		{"Feb 29 of 2001", "11010520010229001X", time.Time{}, IDErrBirth, "身份证号中的出生日期无效：20010229"},
		{"month 13", "110105198713010011", time.Time{}, IDErrBirth, "身份证号中的出生日期无效：19871301"},
		{"month 00", "110105198700010011", time.Time{}, IDErrBirth, "身份证号中的出生日期无效：19870001"},
		{"April 31", "110105198704310011", time.Time{}, IDErrBirth, "身份证号中的出生日期无效：19870431"},
		{"day 00", "110105198704000011", time.Time{}, IDErrBirth, "身份证号中的出生日期无效：19870400"},
		{"before 1900", "110105189912310011", time.Time{}, IDErrBirth, "身份证号中的出生日期无效：18991231"},
		{"legacy Feb 30", "110105870230001", time.Time{}, IDErrBirth, "身份证号中的出生日期无效：19870230"},

		{"born tomorrow", "110105202606160016", time.Time{}, IDErrFuture, "出生日期晚于今天"},
		{"born today in Beijing is tomorrow in UTC-12",
			"110105202606150010", time.Date(2026, 6, 14, 12, 0, 0, 0, time.FixedZone("", -12*3600)), IDErrFuture, "出生日期晚于今天"},

		{"province 99", "990105194912310020", time.Time{}, IDErrProvince, "身份证号前两位不是有效的省级代码：99"},
		{"province 83", "830105194912310020", time.Time{}, IDErrProvince, "身份证号前两位不是有效的省级代码：83"},
		{"province 91", "910105194912310020", time.Time{}, IDErrProvince, "身份证号前两位不是有效的省级代码：91"},
		{"province 00", "000105194912310020", time.Time{}, IDErrProvince, "身份证号前两位不是有效的省级代码：00"},
		{"province 10", "100105194912310020", time.Time{}, IDErrProvince, "身份证号前两位不是有效的省级代码：10"},
		{"legacy province 99", "990105491231002", time.Time{}, IDErrProvince, "身份证号前两位不是有效的省级代码：99"},

		{"wrong digit check", "110105194912310021", time.Time{}, IDErrCheck, "身份证号校验位错误：应为X，实际为1"},
		{"wrong X check", "11010519491231011X", time.Time{}, IDErrCheck, "身份证号校验位错误：应为8，实际为X"},
		{"wrong check ending in a single 0 is not Excel", "110105194912310010", time.Time{}, IDErrCheck, "身份证号校验位错误：应为1，实际为0"},
		{"transposed digits", "11010519491213002X", time.Time{}, IDErrCheck, "身份证号校验位错误：应为9，实际为X"},

		{"Excel short scientific", "3.41523E+17", time.Time{}, IDErrExcel, ExcelDamageMessage},
		{"Excel long scientific", "3.41523199001011E+17", time.Time{}, IDErrExcel, ExcelDamageMessage},
		{"Excel lower-case e", "3.41523e+17", time.Time{}, IDErrExcel, ExcelDamageMessage},
		{"Excel without plus", "3.41523E17", time.Time{}, IDErrExcel, ExcelDamageMessage},
		{"Excel with spaces", " 3.41523E+17 ", time.Time{}, IDErrExcel, ExcelDamageMessage},
		{"Excel legacy 15 digits", "1.10105E+14", time.Time{}, IDErrExcel, ExcelDamageMessage},
		{"Excel lost last 3 digits", "341523199001011000", time.Time{}, IDErrExcel, ExcelDamageMessage},
		{"Excel ends in 00 with wrong check", "110105194912310200", time.Time{}, IDErrExcel, ExcelDamageMessage},
		{"Excel ends in 000 with wrong check", "110105194912310000", time.Time{}, IDErrExcel, ExcelDamageMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			today := tt.today
			if today.IsZero() {
				today = idToday
			}
			info, err := ParseIDNumber(tt.in, today)
			if err == nil {
				t.Fatalf("ParseIDNumber(%q) = %+v, want error %q", tt.in, info, tt.code)
			}
			var ie *IDError
			if !errors.As(err, &ie) {
				t.Fatalf("error %T %v is not *IDError", err, err)
			}
			if ie.Code != tt.code {
				t.Errorf("Code = %q, want %q (%s)", ie.Code, tt.code, ie.Message)
			}
			if ie.Message != tt.msg || err.Error() != tt.msg {
				t.Errorf("Message = %q, want %q", ie.Message, tt.msg)
			}
			if got := IDErrorCode(fmt.Errorf("row 3: %w", err)); got != tt.code {
				t.Errorf("IDErrorCode(wrapped) = %q, want %q", got, tt.code)
			}
			if info != (IDInfo{}) {
				t.Errorf("info = %+v on error, want zero", info)
			}
		})
	}
}

func TestIDExcelMessageText(t *testing.T) {
	const want = "Excel 已将身份证号转为数字，末位丢失；请将该列设为文本后重新导出"
	if ExcelDamageMessage != want {
		t.Errorf("ExcelDamageMessage = %q, want %q", ExcelDamageMessage, want)
	}
	if got := IDErrorCode(errors.New("other")); got != "" {
		t.Errorf("IDErrorCode(non-ID error) = %q, want empty", got)
	}
	if got := IDErrorCode(nil); got != "" {
		t.Errorf("IDErrorCode(nil) = %q, want empty", got)
	}
}

func TestIDInfoAge(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 12, 0, 0, 0, time.UTC) }
	tests := []struct {
		name  string
		birth time.Time
		on    time.Time
		want  int
	}{
		{"day before 77th birthday", d(1949, 12, 31), d(2026, 12, 30), 76},
		{"77th birthday", d(1949, 12, 31), d(2026, 12, 31), 77},
		{"mid year", d(1949, 12, 31), d(2026, 6, 15), 76},
		{"birthday reached in Beijing but not yet in UTC", d(1949, 12, 31), time.Date(2026, 12, 31, 0, 30, 0, 0, cst), 77},
		{"leap-day birth, Feb 28 of common year", d(2000, 2, 29), d(2023, 2, 28), 22},
		{"leap-day birth, Mar 1 of common year", d(2000, 2, 29), d(2023, 3, 1), 23},
		{"leap-day birth, Feb 28 of leap year", d(2000, 2, 29), d(2024, 2, 28), 23},
		{"leap-day birth, Feb 29 of leap year", d(2000, 2, 29), d(2024, 2, 29), 24},
		{"day of birth", d(2026, 6, 15), d(2026, 6, 15), 0},
		{"one day short of a year", d(2025, 6, 16), d(2026, 6, 15), 0},
		{"first birthday", d(2025, 6, 15), d(2026, 6, 15), 1},
		{"before birth", d(2026, 6, 15), d(2020, 1, 1), 0},
		{"18th birthday", d(2008, 6, 15), d(2026, 6, 15), 18},
		{"day before 18th birthday", d(2008, 6, 16), d(2026, 6, 15), 17},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := IDInfo{BirthDate: time.Date(tt.birth.Year(), tt.birth.Month(), tt.birth.Day(), 0, 0, 0, 0, time.UTC)}
			if got := i.Age(tt.on); got != tt.want {
				t.Errorf("Age(%v) with birth %s = %d, want %d", tt.on, tt.birth.Format(time.DateOnly), got, tt.want)
			}
		})
	}

	// Age through a parsed number.
	info, err := ParseIDNumber("11010519491231002X", idToday)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Age(idToday); got != 76 {
		t.Errorf("Age of 11010519491231002X on %v = %d, want 76", idToday, got)
	}
}

func TestMakeIDNumber(t *testing.T) {
	tests := []struct {
		area  string
		birth time.Time
		seq   int
		sex   int
		want  string // "" to check the round trip only
	}{
		{"110105", time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC), 2, SexFemale, "11010519491231002X"},
		{"110105", time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC), 3, SexFemale, "11010519491231002X"}, // 3 → 2
		{"110105", time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), 0, SexMale, "110105198001010016"},     // 0 → 1
		{"110105", time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), 0, SexFemale, "110105198001010008"},
		{"640102", time.Date(2010, 10, 10, 0, 0, 0, 0, time.UTC), 999, SexMale, "64010220101010999X"},
		{"640102", time.Date(2010, 10, 10, 0, 0, 0, 0, time.UTC), 999, SexFemale, "640102201010109981"}, // 999 → 998
		{"341523", time.Date(2000, 2, 29, 23, 0, 0, 0, cst), 458, SexMale, ""},
		{"110103", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), 17, SexFemale, ""}, // abolished area
		{"820000", time.Date(2026, 6, 15, 0, 0, 0, 0, cst), 500, SexFemale, ""},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s/%s/%03d/%d", tt.area, tt.birth.Format(time.DateOnly), tt.seq, tt.sex)
		t.Run(name, func(t *testing.T) {
			got := MakeIDNumber(tt.area, tt.birth, tt.seq, tt.sex)
			if tt.want != "" && got != tt.want {
				t.Errorf("MakeIDNumber = %q, want %q", got, tt.want)
			}
			info, err := ParseIDNumber(got, idToday)
			if err != nil {
				t.Fatalf("ParseIDNumber(%q): %v", got, err)
			}
			if info.Number != got || info.AreaCode != tt.area || info.Sex != tt.sex {
				t.Errorf("round trip of %q = %+v", got, info)
			}
			if want := tt.birth.Format(time.DateOnly); info.BirthDate.Format(time.DateOnly) != want {
				t.Errorf("round trip birth = %s, want %s", info.BirthDate.Format(time.DateOnly), want)
			}
		})
	}

	// Every sequence and both sexes round-trip.
	birth := time.Date(1975, 8, 9, 0, 0, 0, 0, time.UTC)
	for seq := 0; seq <= 999; seq++ {
		for _, sex := range []int{SexMale, SexFemale} {
			n := MakeIDNumber("420111", birth, seq, sex)
			info, err := ParseIDNumber(n, idToday)
			if err != nil || info.Sex != sex || !info.BirthDate.Equal(birth) {
				t.Fatalf("MakeIDNumber(seq %d, sex %d) = %q: %+v, %v", seq, sex, n, info, err)
			}
		}
	}
}

func TestMakeIDNumberPanics(t *testing.T) {
	ok := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		area  string
		birth time.Time
		seq   int
		sex   int
	}{
		{"short area", "11010", ok, 1, SexMale},
		{"letter in area", "11010A", ok, 1, SexMale},
		{"negative sequence", "110105", ok, -1, SexMale},
		{"sequence 1000", "110105", ok, 1000, SexMale},
		{"sex 0", "110105", ok, 1, 0},
		{"sex 3", "110105", ok, 1, 3},
		{"year 999", "110105", time.Date(999, 1, 1, 0, 0, 0, 0, time.UTC), 1, SexMale},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("MakeIDNumber(%q, %v, %d, %d) did not panic", tt.area, tt.birth, tt.seq, tt.sex)
				}
			}()
			MakeIDNumber(tt.area, tt.birth, tt.seq, tt.sex)
		})
	}
}
