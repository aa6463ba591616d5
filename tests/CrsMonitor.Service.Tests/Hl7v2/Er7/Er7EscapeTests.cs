using System.Text;
using CrsMonitor.Service.Hl7v2.Er7;

namespace CrsMonitor.Service.Tests.Hl7v2.Er7;

/// <summary>Escape sequences decoded at parse, refused when unsupported, and written by <see cref="Er7Escape.Encode"/> so that any string survives.</summary>
public sealed class Er7EscapeTests
{
    private const string Header = @"MSH|^~\&|A|B|C|D|20250301||ORU^R01|1|P|2.6";
    private const string TruncatingHeader = @"MSH|^~\&#|A|B|C|D|20250301||ORU^R01|1|P|2.7";

    private static string Value(string raw, string header = Header) => Er7Parser.Parse(header + "\rNTE|1||" + raw + "\r").First("NTE")![3].Value;

    private static Er7FormatException Refused(string raw, string header = Header) =>
        Assert.Throws<Er7FormatException>(() => Er7Parser.Parse(header + "\rNTE|1||" + raw + "\r"))!;

    [TestCase(@"a\F\b", "a|b")]
    [TestCase(@"a\S\b", "a^b")]
    [TestCase(@"a\T\b", "a&b")]
    [TestCase(@"a\R\b", "a~b")]
    [TestCase(@"a\E\b", @"a\b")]
    [TestCase(@"\E\\E\", @"\\")]
    [TestCase(@"\F\\S\\T\\R\\E\", @"|^&~\")]
    [TestCase(@"line 1\.br\line 2", "line 1\nline 2")]
    [TestCase(@"\H\bold\N\ normal", "bold normal")]
    [TestCase(@"\H\\N\", "")]
    [TestCase(@"\X0D\\X0A\", "\r\n")]
    [TestCase(@"\X0D0A\", "\r\n")]
    [TestCase(@"caf\XC3A9\", "café")]
    [TestCase(@"caf\Xc3a9\", "café")]
    [TestCase(@"\XE2809C\quoted\XE2809D\", "\u201Cquoted\u201D")]
    [TestCase(@"\XF09F9880\", "\U0001F600")]
    [TestCase(@"\X09\tab", "\ttab")]
    [TestCase(@"\X00\", "\0")]
    [TestCase("38.6", "38.6")]
    [TestCase("#", "#")]
    public void Escape_IsDecodedAtParse(string raw, string expected) => Assert.That(Value(raw), Is.EqualTo(expected));

    [Test]
    public void TruncationEscape_IsTheTruncationCharacter_WhenMsh2DefinesOne() =>
        Assert.That(Value(@"cut\P\ here #", TruncatingHeader), Is.EqualTo("cut# here #"));

    [Test]
    public void TruncationEscape_WithoutTruncationCharacter_IsRefused()
    {
        var error = Refused(@"cut\P\");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Location.ToString(), Is.EqualTo("NTE-3"));
            Assert.That(error.Problem, Does.StartWith(@"escape sequence ""\P\"" names the truncation character, but MSH-2 defines none"));
        }
    }

    [TestCase(@"\C2842\x", "character set switching")]
    [TestCase(@"\M2442\x", "character set switching")]
    [TestCase(@"\Zlocal\", "locally defined")]
    [TestCase(@"\.sp2\", "a formatting command")]
    [TestCase(@"\.in+4\", "a formatting command")]
    [TestCase(@"\.ti-2\", "a formatting command")]
    [TestCase(@"\.sk3\", "a formatting command")]
    [TestCase(@"\.ce\", "a formatting command")]
    [TestCase(@"\.fi\", "a formatting command")]
    [TestCase(@"\Q\", "is not supported")]
    [TestCase(@"\f\", "is not supported")]
    [TestCase(@"\x0D\", "is not supported")]
    [TestCase(@"\.BR\", "a formatting command")]
    public void UnsupportedEscape_IsRefused_NamingTheEscape(string raw, string kind)
    {
        var error = Refused("ok^" + raw);
        var shown = raw[..(raw.IndexOf('\\', 1) + 1)];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Location, Is.EqualTo(new Er7Location("NTE", 1, 3, 1, 2)));
            Assert.That(error.Problem, Does.StartWith($"escape sequence \"{shown}\""));
            Assert.That(error.Problem, Does.Contain(kind));
            Assert.That(error.Problem, Does.EndWith(@"supported: \F\ \S\ \T\ \R\ \E\ \Xhh..\ \.br\ \H\ \N\"));
        }
    }

    [TestCase(@"abc\", @"escape sequence ""\"" at character 4 of the value is not closed by a second '\'")]
    [TestCase(@"a\F", @"escape sequence ""\F"" at character 2 of the value is not closed by a second '\'")]
    [TestCase(@"\F\\", @"escape sequence ""\"" at character 4 of the value is not closed by a second '\'")]
    [TestCase(@"a\\b", @"empty escape sequence ""\\"" (a literal escape character is written \E\)")]
    [TestCase(@"\X\", @"hex escape ""\X\"" has no digits")]
    [TestCase(@"\X0D0\", @"hex escape ""\X0D0\"" has an odd number of digits (3)")]
    [TestCase(@"\XG0\", @"hex escape ""\XG0\"" has a character that is not a hex digit")]
    [TestCase(@"\X 0D\", @"hex escape ""\X 0D\"" has an odd number of digits (3)")]
    [TestCase(@"\XC3\", @"hex escape ""\XC3\"" is not valid UTF-8")]
    [TestCase(@"\XFF\", @"hex escape ""\XFF\"" is not valid UTF-8")]
    [TestCase(@"\XEDA080\", @"hex escape ""\XEDA080\"" is not valid UTF-8")]
    public void MalformedEscape_IsRefusedAtItsValue(string raw, string problem)
    {
        var error = Refused(raw);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Location.ToString(), Is.EqualTo("NTE-3"));
            Assert.That(error.Problem, Does.StartWith(problem));
        }
    }

    [Test]
    public void EscapeCannotSpanADelimiter()
    {
        var error = Refused(@"a\X0^D\");
        Assert.That(error.Location.ToString(), Is.EqualTo("NTE-3.1"));
    }

    [TestCase("plain", "plain")]
    [TestCase("a|b", @"a\F\b")]
    [TestCase("a^b", @"a\S\b")]
    [TestCase("a&b", @"a\T\b")]
    [TestCase("a~b", @"a\R\b")]
    [TestCase(@"a\b", @"a\E\b")]
    [TestCase("a\rb\nc", @"a\X0D\b\X0A\c")]
    [TestCase("\0\u0007\t\u001F\u007F", @"\X00\\X07\\X09\\X1F\\X7F\")]
    [TestCase("é #", "é #")]
    [TestCase("", "")]
    public void Encode_EscapesDelimitersAndControls(string value, string expected) =>
        Assert.That(Er7Escape.Encode(value, Er7Delimiters.Standard), Is.EqualTo(expected));

    [Test]
    public void Encode_WritesTheTruncationCharacter_WhenDefined() =>
        Assert.That(Er7Escape.Encode("bed #4", Er7Delimiters.Standard with { Truncation = '#' }), Is.EqualTo(@"bed \P\4"));

    [Test]
    public void Encode_UsesTheMessagesDelimiters() =>
        Assert.That(Er7Escape.Encode("#$%@*|^", new Er7Delimiters('#', '$', '%', '@', '*', null)), Is.EqualTo("@F@@S@@R@@E@@T@|^"));

    [Test]
    public void Encode_NothingToEscape_ReturnsTheSameString()
    {
        var value = "nothing to escape";
        Assert.That(Er7Escape.Encode(value, Er7Delimiters.Standard), Is.SameAs(value));
    }

    private static readonly Er7Delimiters[] DelimiterSets =
    [
        Er7Delimiters.Standard,
        Er7Delimiters.Standard with { Truncation = '#' },
        new('#', '$', '%', '@', '*', null),
        new('!', '"', '\'', '/', ':', '?'),
    ];

    [TestCaseSource(nameof(DelimiterSets))]
    public void Encode_ThenParse_GivesBackAnyString(Er7Delimiters d)
    {
        ArgumentNullException.ThrowIfNull(d);
        var random = new Random(15);
        var alphabet = "ab Z09.-é€" + d.Field + d.Component + d.Repetition + d.Escape + d.SubComponent + d.Truncation + "|^~\\&#\r\n\t\0\u007F\u0085\uFFFD\"" + "\\F\\X.br";
        var header = $"MSH{d.Field}{d.EncodingCharacters}{d.Field}A";
        for (var i = 0; i < 500; i++)
        {
            var value = RandomString(random, alphabet, random.Next(0, 40));
            var text = $"{header}\rNTE{d.Field}1{d.Field}{d.Field}{Er7Escape.Encode(value, d)}\r";
            var parsed = Er7Parser.Parse(text).First("NTE")![3];
            Assert.That(parsed.Value, Is.EqualTo(value), () => $"value {Show(value)} written as {Show(text)}");
            Assert.That(parsed.Repetitions.Count, Is.EqualTo(value.Length == 0 ? 0 : 1));
        }
    }

    private static string RandomString(Random random, string alphabet, int length)
    {
        var text = new StringBuilder();
        for (var i = 0; i < length; i++)
        {
            if (random.Next(10) == 0)
            {
                text.Append("\U0001F600");
            }
            else
            {
                text.Append(alphabet[random.Next(alphabet.Length)]);
            }
        }

        return text.ToString();
    }

    private static string Show(string value) => string.Concat(value.Select(c => c < ' ' || c == '\u007F' ? $"<{(int)c:X2}>" : c.ToString()));
}
