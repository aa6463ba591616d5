using System.Text;

namespace CrsMonitor.Service.Tests.Hl7v2.Er7;

/// <summary>What a malformed input must get: refused (at <see cref="Er7MalformedCase.Location"/> when it is certain), or either outcome.</summary>
public enum Er7Expect
{
    /// <summary>Parsed or refused; never any other exception (a truncation or a swapped delimiter may still be a message).</summary>
    Either,

    /// <summary>Refused with an Er7FormatException.</summary>
    Refused,
}

/// <summary>One malformed or hostile MLLP payload: the bytes, what it must get and, where certain, the location of the refusal.</summary>
public sealed record Er7MalformedCase(string Name, byte[] Body, Er7Expect Expect, string? Location = null)
{
    public override string ToString() => Name;
}

/// <summary>
/// The corpus of malformed ER7 payloads, generated from the valid messages of <see cref="Er7Samples"/>: about 900
/// cases (every delimiter swapped for every other, all at once and one by one in the ACK; the header's characters
/// replaced; every unsupported or malformed escape; every C0 control and DEL inside a value and a segment id; huge
/// repetition, field, component, sub-component and segment counts; huge values and escape runs; broken segment ids;
/// character sets, byte order marks and invalid UTF-8), and per sample its truncation at every byte and 200 seeded
/// random byte mutations (about 3,100 more).
/// </summary>
public static class Er7MalformedCorpus
{
    private const string Header = @"MSH|^~\&|A|B|C|D|20250301||ORU^R01|1|P|2.6";

    private static readonly Lazy<IReadOnlyList<Er7MalformedCase>> All = new(Build);

    public static IReadOnlyList<Er7MalformedCase> Cases => All.Value;

    private static List<Er7MalformedCase> Build()
    {
        var cases = new List<Er7MalformedCase>();
        DelimiterSwaps(cases);
        HeaderCharacters(cases);
        Escapes(cases);
        ControlCharacters(cases);
        Counts(cases);
        SegmentIds(cases);
        Encodings(cases);

        var duplicates = cases.GroupBy(c => c.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        return duplicates.Count > 0 ? throw new InvalidOperationException($"Case names must be unique: {string.Join(", ", duplicates)}") : cases;
    }

    private static void Add(List<Er7MalformedCase> cases, string name, string text, Er7Expect expect, string? location = null) =>
        cases.Add(new Er7MalformedCase(name, Encoding.UTF8.GetBytes(text), expect, location));

    private static void Add(List<Er7MalformedCase> cases, string name, byte[] body, Er7Expect expect, string? location = null) =>
        cases.Add(new Er7MalformedCase(name, body, expect, location));

    /// <summary>
    /// Every prefix of one sample, cut at each byte (inside a UTF-8 sequence and inside an escape too). Grouped per
    /// sample rather than one test each: past 2,000 selected tests the NUnit adapter runs the whole assembly
    /// (AssemblySelectLimit), which would make the filtered run of these tests take the full suite's ten minutes.
    /// </summary>
    public static IEnumerable<Er7MalformedCase> Truncations(string sample)
    {
        var bytes = Encoding.UTF8.GetBytes(Er7Samples.All.Single(s => s.Name == sample).Text);
        for (var length = 0; length < bytes.Length; length++)
        {
            var (expect, location) = length switch
            {
                < 3 => (Er7Expect.Refused, "MSH"),
                3 => (Er7Expect.Refused, "MSH-1"),
                < 8 => (Er7Expect.Refused, "MSH-2"),
                _ => (Er7Expect.Either, (string?)null),
            };
            yield return new Er7MalformedCase($"truncated-{sample}-{length:D4}", bytes[..length], expect, location);
        }
    }

    /// <summary>Each delimiter, after the header, replaced everywhere by each other one; and one by one in the ACK.</summary>
    private static void DelimiterSwaps(List<Er7MalformedCase> cases)
    {
        const string delimiters = @"|^~\&";
        foreach (var (name, text) in Er7Samples.All)
        {
            var start = text.IndexOf('|', 4) + 1;
            foreach (var from in delimiters)
            {
                foreach (var to in delimiters.Where(c => c != from))
                {
                    Add(cases, $"swap-all-{name}-{Name(from)}-to-{Name(to)}", text[..start] + text[start..].Replace(from, to), Er7Expect.Either);
                }
            }
        }

        var ack = Er7Samples.Ack;
        for (var i = ack.IndexOf('|', 4) + 1; i < ack.Length; i++)
        {
            if (delimiters.Contains(ack[i], StringComparison.Ordinal) || ack[i] == '\r')
            {
                foreach (var to in (delimiters + "\r\n\0\t").Where(c => c != ack[i]))
                {
                    var expect = to is '\0' or '\t' ? Er7Expect.Refused : Er7Expect.Either;
                    Add(cases, $"swap-one-ack-{i:D3}-{Name(ack[i])}-to-{Name(to)}", ack[..i] + to + ack[(i + 1)..], expect);
                }
            }
        }
    }

    /// <summary>Each of the first nine characters (<c>MSH|^~\&amp;|</c>) replaced by letters, controls, other delimiters.</summary>
    private static void HeaderCharacters(List<Er7MalformedCase> cases)
    {
        var text = Er7Samples.Ack;
        for (var i = 0; i < 9; i++)
        {
            foreach (var to in "A1 \t\0\r\n|^~\\&#é\u007F")
            {
                if (to != text[i])
                {
                    var location = i < 3 ? "MSH" : i == 3 && (char.IsAsciiLetterOrDigit(to) || to <= ' ' || to > '~') ? "MSH-1" : null;
                    var expect = location is not null || (i is > 3 and < 8 && (char.IsAsciiLetterOrDigit(to) || to <= ' ' || to > '~')) ? Er7Expect.Refused : Er7Expect.Either;
                    Add(cases, $"header-{i}-to-{Name(to)}", text[..i] + to + text[(i + 1)..], expect, location);
                }
            }
        }

        foreach (var encoding in new[] { @"~^\&", @"^~&\", @"\^~&", @"&~\^", @"^~\&#", @"^~\&##", @"^~\", @"^~", "", @"^~\&#!", "^~!&", @"^ \&", "^~\\&\u0000" })
        {
            Add(cases, $"encoding-{string.Concat(encoding.Select(Name))}", $"MSH|{encoding}|A|B\rPID|1|a^b~c\\F\\d&e\r", Er7Expect.Either);
        }
    }

    private static readonly string[] BadEscapes =
    [
        @"\C2842\", @"\M2442\", @"\Zlocal\", @"\.sp\", @"\.sp2\", @"\.in+4\", @"\.ti-2\", @"\.sk3\", @"\.ce\", @"\.fi\", @"\.nf\",
        @"\P\", @"\Q\", @"\f\", @"\x0D\", @"\.BR\", @"\\", @"\", @"\F", @"\X\", @"\X0\", @"\X0D0\", @"\XZZ\", @"\XC3\",
        @"\XFF\", @"\XEDA080\", @"\XF4908080\", @"\X C3\", @"\H", @"\XC3A", @"\Cxx", @"\" + new string('F', 1000),
    ];

    /// <summary>Every unsupported or malformed escape in a monitor's value (the fourth OBX's OBX-5), refused there.</summary>
    private static void Escapes(List<Er7MalformedCase> cases)
    {
        for (var i = 0; i < BadEscapes.Length; i++)
        {
            Add(cases, $"escape-{i:D2}", Er7Samples.Oru.Replace("|38.6|", "|38" + BadEscapes[i] + ".6|", StringComparison.Ordinal), Er7Expect.Refused, "OBX[4]-5");
        }

        Add(cases, "escape-run-100k", Header + "\rNTE|1||" + new string('\\', 100_000) + "\r", Er7Expect.Refused, "NTE-3");
        Add(cases, "escape-run-100k-odd", Header + "\rNTE|1||" + new string('\\', 100_001) + "\r", Er7Expect.Refused, "NTE-3");
        Add(cases, "escape-unterminated-100k", Header + "\rNTE|1||\\" + new string('X', 100_000) + "\r", Er7Expect.Refused, "NTE-3");
        Add(cases, "escape-hex-odd-100k", Header + "\rNTE|1||\\X" + new string('0', 100_001) + "\\\r", Er7Expect.Refused, "NTE-3");
        Add(cases, "escape-valid-10k", Header + "\rNTE|1||" + string.Concat(Enumerable.Repeat(@"\F\\.br\\XC3A9\", 10_000)) + "\r", Er7Expect.Either);
    }

    /// <summary>Every C0 control except CR and LF, and DEL: in a component, in a header field, in a segment id.</summary>
    private static void ControlCharacters(List<Er7MalformedCase> cases)
    {
        foreach (var c in Enumerable.Range(0, 32).Select(i => (char)i).Where(c => c is not '\r' and not '\n').Append('\u007F'))
        {
            var hex = ((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture);
            Add(cases, $"control-{hex}-in-pid-5-2", Er7Samples.Oru.Replace("^Jane^", $"^Ja{c}ne^", StringComparison.Ordinal), Er7Expect.Refused, "PID-5.2");
            Add(cases, $"control-{hex}-in-msh-3", Er7Samples.Oru.Replace("|PHILIPS_IX^", $"|PHILIPS{c}IX^", StringComparison.Ordinal), Er7Expect.Refused, "MSH-3.1");
            Add(cases, $"control-{hex}-in-sub-component", Er7Samples.Ras.Replace("&UCUM|", $"&UC{c}UM|", StringComparison.Ordinal), Er7Expect.Refused, "RXA-7.1.3");
            Add(cases, $"control-{hex}-in-segment-id", Er7Samples.Oru.Replace("\rPV1|", $"\rP{c}1|", StringComparison.Ordinal), Er7Expect.Refused, "P?1");
            Add(cases, $"control-{hex}-as-field-separator", $"MSH{c}^~\\&{c}A\r", Er7Expect.Refused, "MSH-1");
        }
    }

    /// <summary>Past every limit (and far past), at the limit, and huge values.</summary>
    private static void Counts(List<Er7MalformedCase> cases)
    {
        Add(cases, "repetitions-1001", Header + "\rZZZ|" + new string('~', 1_000) + "\r", Er7Expect.Refused, "ZZZ-1(1001)");
        Add(cases, "repetitions-1m", Header + "\rZZZ|" + new string('~', 1_000_000) + "\r", Er7Expect.Refused, "ZZZ-1(1001)");
        Add(cases, "repetitions-1000", Header + "\rZZZ|" + new string('~', 999) + "\r", Er7Expect.Either);
        Add(cases, "fields-1001", Header + "\rZZZ" + new string('|', 1_001) + "\r", Er7Expect.Refused, "ZZZ-1001");
        Add(cases, "fields-1m", Header + "\rZZZ" + new string('|', 1_000_000) + "\r", Er7Expect.Refused, "ZZZ-1001");
        Add(cases, "components-101", Header + "\rZZZ|" + new string('^', 100) + "\r", Er7Expect.Refused, "ZZZ-1.101");
        Add(cases, "components-1m", Header + "\rZZZ|" + new string('^', 1_000_000) + "\r", Er7Expect.Refused, "ZZZ-1.101");
        Add(cases, "sub-components-101", Header + "\rZZZ|" + new string('&', 100) + "\r", Er7Expect.Refused, "ZZZ-1.1.101");
        Add(cases, "sub-components-1m", Header + "\rZZZ|" + new string('&', 1_000_000) + "\r", Er7Expect.Refused, "ZZZ-1.1.101");
        Add(cases, "segments-10001", Header + string.Concat(Enumerable.Repeat("\rNTE", 10_000)) + "\r", Er7Expect.Refused, "NTE[10000]");
        Add(cases, "segments-100k", Header + string.Concat(Enumerable.Repeat("\rNTE|1", 100_000)) + "\r", Er7Expect.Refused, "NTE[10000]");
        Add(cases, "segments-10000", Header + string.Concat(Enumerable.Repeat("\rNTE", 9_999)) + "\r", Er7Expect.Either);
        Add(cases, "every-level-at-its-limit", Header + "\rZZZ|" + string.Join('~', Enumerable.Repeat(string.Join('^', Enumerable.Repeat("a&b", 100)), 20)) + "\r", Er7Expect.Either);
        Add(cases, "value-4mb", Header + "\rNTE|1||" + new string('x', 4_000_000) + "\r", Er7Expect.Either);
        Add(cases, "empty-lines-1m", Header + new string('\r', 1_000_000), Er7Expect.Either);
        Add(cases, "crlf-1m", Header + string.Concat(Enumerable.Repeat("\r\n", 500_000)), Er7Expect.Either);
        Add(cases, "segment-id-1m", Header + "\r" + new string('A', 1_000_000) + "\r", Er7Expect.Refused, "AAAAAAAA...");
    }

    /// <summary>Broken segment ids on each segment of the monitor's ORU.</summary>
    private static void SegmentIds(List<Er7MalformedCase> cases)
    {
        var segments = Er7Samples.Oru.Split('\r', StringSplitOptions.RemoveEmptyEntries);
        for (var s = 1; s < segments.Length; s++)
        {
            var id = segments[s][..3];
            foreach (var (kind, bad) in new[] { ("lower", id.ToLowerInvariant()), ("two", id[..2]), ("four", id + "X"), ("digit-first", "9" + id[1..]), ("space", " " + id[1..]), ("empty", "") })
            {
                var text = string.Join('\r', segments[..s]) + "\r" + bad + segments[s][3..] + "\r" + string.Join('\r', segments[(s + 1)..]);
                var shown = bad.Length == 0 ? "?" : bad.Replace(' ', '?');
                Add(cases, $"segment-id-{s:D2}-{kind}", text, Er7Expect.Refused, shown);
            }
        }

        Add(cases, "segment-id-later-msh-other-encoding", Header + "\rMSH|^~\\&#|A\r", Er7Expect.Refused, "MSH[2]-2");
        Add(cases, "segment-id-later-msh-empty", Header + "\rMSH|\r", Er7Expect.Refused, "MSH[2]-2");
        Add(cases, "mllp-framing-left-in", "\u000B" + Er7Samples.Ack + "\u001C\r", Er7Expect.Refused, "MSH");
        Add(cases, "mllp-end-left-in", Er7Samples.Ack + "\u001C\r", Er7Expect.Refused, "?");
    }

    /// <summary>Character sets, byte order marks, other encodings and invalid UTF-8 throughout.</summary>
    private static void Encodings(List<Er7MalformedCase> cases)
    {
        var adtHeader = Er7Samples.Adt[..Er7Samples.Adt.IndexOf('\r')];
        foreach (var characterSet in new[] { "UNICODE UTF-16", "UNICODE UTF-32", "8859/15", "8859/2", "ISO IR87", "ISO IR6", "UNICODE", "unicode utf-8", "ascii", "UTF-8", " ASCII", "UNICODE UTF-8~8859/1", "8859/1^x", "\u00E9" })
        {
            Add(cases, $"charset-{string.Concat(characterSet.Select(Name))}", Er7Samples.Adt.Replace(adtHeader, adtHeader + "||||||" + characterSet, StringComparison.Ordinal), Er7Expect.Refused, "MSH-18");
        }

        var bytes = Encoding.UTF8.GetBytes(Er7Samples.Oru);
        Add(cases, "bom-utf8", [0xEF, 0xBB, 0xBF, .. bytes], Er7Expect.Refused, "MSH");
        Add(cases, "bom-utf8-twice", [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, .. bytes], Er7Expect.Refused, "MSH");
        Add(cases, "utf16-le", Encoding.Unicode.GetBytes(Er7Samples.Ack), Er7Expect.Refused, "MSH");
        Add(cases, "utf16-be-bom", [.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes(Er7Samples.Ack)], Er7Expect.Refused);
        Add(cases, "latin1-declared-utf8", Encoding.Latin1.GetBytes(Er7Samples.Adt.Replace(adtHeader, adtHeader + "||||||UNICODE UTF-8", StringComparison.Ordinal)), Er7Expect.Refused, "MSH-18");
        Add(cases, "latin1-undeclared", Encoding.Latin1.GetBytes(Er7Samples.Adt), Er7Expect.Refused, "MSH");
        Add(cases, "latin1-declared", Encoding.Latin1.GetBytes(Er7Samples.Adt.Replace(adtHeader, adtHeader + "||||||8859/1", StringComparison.Ordinal)), Er7Expect.Either);
        foreach (var bad in new byte[][] { [0xFF], [0xC3], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80] })
        {
            for (var at = 0; at < bytes.Length; at += 97)
            {
                Add(cases, $"invalid-utf8-{Convert.ToHexString(bad)}-at-{at:D4}", [.. bytes[..at], .. bad, .. bytes[at..]], Er7Expect.Refused);
            }
        }
    }

    /// <summary>Seeded random byte changes (flip, set, insert, delete, insert a delimiter) of one sample (grouped, as truncations are).</summary>
    public static IEnumerable<Er7MalformedCase> RandomMutations(string sample, int count = 200)
    {
        var random = new Random(2015 + sample.Length);
        var original = Encoding.UTF8.GetBytes(Er7Samples.All.Single(s => s.Name == sample).Text);
        var interesting = Encoding.Latin1.GetBytes("|^~\\&#\r\n\0\u001C\u000BX.F\"");
        for (var i = 0; i < count; i++)
        {
            var bytes = original.ToList();
            var changes = random.Next(1, 9);
            for (var k = 0; k < changes && bytes.Count > 0; k++)
            {
                var at = random.Next(bytes.Count);
                switch (random.Next(5))
                {
                    case 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                    case 1: bytes[at] = (byte)random.Next(256); break;
                    case 2: bytes.Insert(at, (byte)random.Next(256)); break;
                    case 3: bytes.RemoveAt(at); break;
                    default: bytes.Insert(at, interesting[random.Next(interesting.Length)]); break;
                }
            }

            yield return new Er7MalformedCase($"random-{sample}-{i:D3}", [.. bytes], Er7Expect.Either);
        }
    }

    private static string Name(char c) => char.IsAsciiLetterOrDigit(c) ? c.ToString() : $"{(int)c:X2}";
}
