package registry

import (
	"errors"
	"testing"
)

func TestCertCategory(t *testing.T) {
	tests := []struct {
		c     Category
		code  int
		valid bool
		key   string
		zh    string
	}{
		{Vision, 1, true, "category.vision", "视力"},
		{Hearing, 2, true, "category.hearing", "听力"},
		{Speech, 3, true, "category.speech", "言语"},
		{Physical, 4, true, "category.physical", "肢体"},
		{Intellectual, 5, true, "category.intellectual", "智力"},
		{Mental, 6, true, "category.mental", "精神"},
		{Multiple, 7, true, "category.multiple", "多重"},
		{Category(0), 0, false, "category.unknown", ""},
		{Category(8), 8, false, "category.unknown", ""},
		{Category(-1), -1, false, "category.unknown", ""},
	}
	for _, tt := range tests {
		if int(tt.c) != tt.code {
			t.Errorf("category %v has code %d, want %d", tt.c, int(tt.c), tt.code)
		}
		if got := tt.c.Valid(); got != tt.valid {
			t.Errorf("Category(%d).Valid() = %v, want %v", tt.c, got, tt.valid)
		}
		if got := tt.c.MessageKey(); got != tt.key {
			t.Errorf("Category(%d).MessageKey() = %q, want %q", tt.c, got, tt.key)
		}
		if got := tt.c.ZH(); got != tt.zh {
			t.Errorf("Category(%d).ZH() = %q, want %q", tt.c, got, tt.zh)
		}
	}
}

func TestCertGrade(t *testing.T) {
	tests := []struct {
		g      Grade
		valid  bool
		severe bool
		key    string
		zh     string
	}{
		{Grade1, true, true, "grade.1", "一级"},
		{Grade2, true, true, "grade.2", "二级"},
		{Grade3, true, false, "grade.3", "三级"},
		{Grade4, true, false, "grade.4", "四级"},
		{Grade(0), false, false, "grade.unknown", ""},
		{Grade(5), false, false, "grade.unknown", ""},
		{Grade(-1), false, false, "grade.unknown", ""},
	}
	for _, tt := range tests {
		if got := tt.g.Valid(); got != tt.valid {
			t.Errorf("Grade(%d).Valid() = %v, want %v", tt.g, got, tt.valid)
		}
		if got := tt.g.Severe(); got != tt.severe {
			t.Errorf("Grade(%d).Severe() = %v, want %v", tt.g, got, tt.severe)
		}
		if got := tt.g.MessageKey(); got != tt.key {
			t.Errorf("Grade(%d).MessageKey() = %q, want %q", tt.g, got, tt.key)
		}
		if got := tt.g.ZH(); got != tt.zh {
			t.Errorf("Grade(%d).ZH() = %q, want %q", tt.g, got, tt.zh)
		}
	}
}

func TestCertMultipleGrade(t *testing.T) {
	tests := []struct {
		name  string
		comps []Component
		want  Grade
	}{
		{"none", nil, 0},
		{"single", []Component{{Physical, Grade3}}, Grade3},
		{"most severe wins", []Component{{Vision, Grade3}, {Hearing, Grade2}, {Speech, Grade4}}, Grade2},
		{"order does not matter", []Component{{Hearing, Grade1}, {Vision, Grade4}}, Grade1},
		{"equal grades", []Component{{Intellectual, Grade3}, {Mental, Grade3}}, Grade3},
		{"invalid grades ignored", []Component{{Vision, Grade(0)}, {Physical, Grade4}, {Hearing, Grade(9)}}, Grade4},
		{"only invalid grades", []Component{{Vision, Grade(0)}, {Hearing, Grade(5)}}, 0},
	}
	for _, tt := range tests {
		if got := MultipleGrade(tt.comps); got != tt.want {
			t.Errorf("%s: MultipleGrade(%v) = %d, want %d", tt.name, tt.comps, got, tt.want)
		}
	}
}

func TestCertificateNumber(t *testing.T) {
	tests := []struct {
		name string
		id   string
		c    Category
		g    Grade
		want string
	}{
		{"RULES example 肢体二级", "11010519491231002X", Physical, Grade2, "11010519491231002X42"},
		{"normalised id", " １１０１０５１９４９１２３１００２ｘ ", Physical, Grade2, "11010519491231002X42"},
		{"legacy id upgraded", "110105491231002", Vision, Grade1, "11010519491231002X11"},
		{"multiple", "110105194912310011", Multiple, Grade1, "11010519491231001171"},
		{"mental grade 4", "320102198707010050", Mental, Grade4, "32010219870701005064"},
		{"invalid category", "11010519491231002X", Category(0), Grade2, ""},
		{"category 8", "11010519491231002X", Category(8), Grade2, ""},
		{"invalid grade", "11010519491231002X", Physical, Grade(5), ""},
		{"bad check char", "110105194912310021", Physical, Grade2, ""},
		{"Excel-damaged id", "341523199001011000", Physical, Grade2, ""},
		{"empty id", "", Physical, Grade2, ""},
	}
	for _, tt := range tests {
		got := CertificateNumber(tt.id, tt.c, tt.g)
		if got != tt.want {
			t.Errorf("%s: CertificateNumber(%q, %d, %d) = %q, want %q", tt.name, tt.id, tt.c, tt.g, got, tt.want)
		}
		if got != "" && len(got) != 20 {
			t.Errorf("%s: %q has %d characters, want 20", tt.name, got, len(got))
		}
	}
}

func TestCertReissueNumber(t *testing.T) {
	tests := []struct {
		base string
		n    int
		want string
	}{
		{"11010519491231002X42", 1, "11010519491231002X42B1"},
		{"11010519491231002X42", 2, "11010519491231002X42B2"},
		{"11010519491231002X42", 12, "11010519491231002X42B12"},
		{"11010519491231002X42B1", 2, "11010519491231002X42B2"}, // previous suffix replaced
		{"11010519491231002x42b3", 4, "11010519491231002X42B4"}, // normalised
		{" 11010519491231002X42 ", 1, "11010519491231002X42B1"}, // trimmed
		{"11010519491231002X42B2", 0, "11010519491231002X42"},
		{"11010519491231002X42", -1, "11010519491231002X42"},
	}
	for _, tt := range tests {
		if got := ReissueNumber(tt.base, tt.n); got != tt.want {
			t.Errorf("ReissueNumber(%q, %d) = %q, want %q", tt.base, tt.n, got, tt.want)
		}
	}
}

func TestParseCertificateNumber(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		id      string
		c       Category
		g       Grade
		reissue int
	}{
		{"RULES example", "11010519491231002X42", "11010519491231002X", Physical, Grade2, 0},
		{"lower-case and spaces", " 11010519491231002x 42 ", "11010519491231002X", Physical, Grade2, 0},
		{"full-width", "１１０１０５１９４９１２３１００２Ｘ４２", "11010519491231002X", Physical, Grade2, 0},
		{"reissue B1", "11010519491231002X42B1", "11010519491231002X", Physical, Grade2, 1},
		{"reissue lower-case b12", "11010519491231002X42b12", "11010519491231002X", Physical, Grade2, 12},
		{"reissue full-width Ｂ", "11010519491231002X42Ｂ３", "11010519491231002X", Physical, Grade2, 3},
		{"multiple grade 1", "11010519491231001171", "110105194912310011", Multiple, Grade1, 0},
		{"id ending in 00", "11010519600115030053", "110105196001150300", Intellectual, Grade3, 0},
		{"future birth date is not refused here", "11010520990101001224", "110105209901010012", Hearing, Grade4, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, c, g, r, err := ParseCertificateNumber(tt.in)
			if err != nil {
				t.Fatalf("ParseCertificateNumber(%q): %v", tt.in, err)
			}
			if id != tt.id || c != tt.c || g != tt.g || r != tt.reissue {
				t.Errorf("ParseCertificateNumber(%q) = %q, %d, %d, %d; want %q, %d, %d, %d",
					tt.in, id, c, g, r, tt.id, tt.c, tt.g, tt.reissue)
			}
		})
	}
}

func TestParseCertificateNumberErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		code   string
		msg    string
		idCode string // code of the wrapped *IDError, "" if none
	}{
		{"empty", "  ", CertErrEmpty, "请填写残疾人证号", ""},
		{"Excel scientific", "1.10105E+19", CertErrExcel, CertExcelDamageMessage, ""},
		{"Excel lost digits in id part", "34152319900101100000", CertErrExcel, CertExcelDamageMessage, IDErrExcel},
		{"Excel zeros where category and grade were", "11010519600115030000", CertErrExcel, CertExcelDamageMessage, ""},
		{"hyphen", "11010519491231002X-42", CertErrChars, "残疾人证号只能包含数字、身份证号末位的X和补领标记B", ""},
		{"Chinese", "11010519491231002X肢体二级", CertErrChars, "残疾人证号只能包含数字、身份证号末位的X和补领标记B", ""},
		{"id only", "11010519491231002X", CertErrLength, "残疾人证号应为20位（补领的另加B和次数，如B1），实际为18位", ""},
		{"21 digits", "11010519491231002X421", CertErrLength, "残疾人证号应为20位（补领的另加B和次数，如B1），实际为21位", ""},
		{"legacy id + codes", "11010549123100242", CertErrLength, "残疾人证号应为20位（补领的另加B和次数，如B1），实际为17位", ""},
		{"bad check char", "11010519491231002142", CertErrID, "残疾人证号前18位不是有效的身份证号：身份证号校验位错误：应为X，实际为1", IDErrCheck},
		{"bad province", "99010519491231002X42", CertErrID, "残疾人证号前18位不是有效的身份证号：身份证号前两位不是有效的省级代码：99", IDErrProvince},
		{"bad birth date", "11010519870230001142", CertErrID, "残疾人证号前18位不是有效的身份证号：身份证号中的出生日期无效：19870230", IDErrBirth},
		{"X inside id", "1101051949123100X242", CertErrID, "残疾人证号前18位不是有效的身份证号：身份证号只能包含数字，最后一位可为X", IDErrChars},
		{"category 0", "11010519491231002X02", CertErrCategory, "残疾人证号第19位应为残疾类别代码1–7，实际为0", ""},
		{"category 8", "11010519491231002X82", CertErrCategory, "残疾人证号第19位应为残疾类别代码1–7，实际为8", ""},
		{"category X", "11010519491231002XX2", CertErrCategory, "残疾人证号第19位应为残疾类别代码1–7，实际为X", ""},
		{"grade 0", "11010519491231002X40", CertErrGrade, "残疾人证号第20位应为残疾等级代码1–4，实际为0", ""},
		{"grade 5", "11010519491231002X45", CertErrGrade, "残疾人证号第20位应为残疾等级代码1–4，实际为5", ""},
		{"grade B", "11010519491231002X4B", CertErrGrade, "残疾人证号第20位应为残疾等级代码1–4，实际为B", ""},
		{"B without number", "11010519491231002X42B", CertErrReissue, "残疾人证号补领标记无效：B（应为B加补领次数，如B1）", ""},
		{"B0", "11010519491231002X42B0", CertErrReissue, "残疾人证号补领标记无效：B0（应为B加补领次数，如B1）", ""},
		{"B01", "11010519491231002X42B01", CertErrReissue, "残疾人证号补领标记无效：B01（应为B加补领次数，如B1）", ""},
		{"BX", "11010519491231002X42BX", CertErrReissue, "残疾人证号补领标记无效：BX（应为B加补领次数，如B1）", ""},
		{"B1B", "11010519491231002X42B1B", CertErrReissue, "残疾人证号补领标记无效：B1B（应为B加补领次数，如B1）", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, c, g, r, err := ParseCertificateNumber(tt.in)
			if err == nil {
				t.Fatalf("ParseCertificateNumber(%q) = %q, %d, %d, %d; want error %q", tt.in, id, c, g, r, tt.code)
			}
			if id != "" || c != 0 || g != 0 || r != 0 {
				t.Errorf("results on error = %q, %d, %d, %d; want zero values", id, c, g, r)
			}
			var ce *CertError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T %v is not *CertError", err, err)
			}
			if ce.Code != tt.code {
				t.Errorf("Code = %q, want %q (%s)", ce.Code, tt.code, ce.Message)
			}
			if ce.Message != tt.msg || err.Error() != tt.msg {
				t.Errorf("Message = %q, want %q", ce.Message, tt.msg)
			}
			if got := IDErrorCode(err); got != tt.idCode {
				t.Errorf("wrapped ID error code = %q, want %q", got, tt.idCode)
			}
		})
	}
}

func TestCertRoundTrip(t *testing.T) {
	ids := []string{"11010519491231002X", "110105491231002", MakeIDNumber("820000", idToday, 500, SexFemale)}
	for _, raw := range ids {
		info, err := ParseIDNumber(raw, idToday)
		if err != nil {
			t.Fatalf("ParseIDNumber(%q): %v", raw, err)
		}
		for c := Vision; c <= Multiple; c++ {
			for g := Grade1; g <= Grade4; g++ {
				for n := 0; n <= 2; n++ {
					num := ReissueNumber(CertificateNumber(raw, c, g), n)
					id, pc, pg, pr, err := ParseCertificateNumber(num)
					if err != nil {
						t.Fatalf("ParseCertificateNumber(%q): %v", num, err)
					}
					if id != info.Number || pc != c || pg != g || pr != n {
						t.Errorf("round trip of %q = %q, %d, %d, %d; want %q, %d, %d, %d",
							num, id, pc, pg, pr, info.Number, c, g, n)
					}
				}
			}
		}
	}
}
