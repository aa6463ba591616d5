using CrsMonitor.Fuzz;
using CrsMonitor.Service.Hl7v2.Er7;

namespace CrsMonitor.Service.Tests.Hl7v2.Er7;

/// <summary>
/// Every malformed or hostile payload is either read as a message or refused with an <see cref="Er7FormatException"/>
/// that says where and what (so the listener can always answer with an ACK whose ERR-2 is that location); nothing a
/// sender sends makes the decoder or the parser throw anything else. Each input also goes through the fuzz target,
/// whose property adds that a parsed message writes back and parses again to the same text.
/// </summary>
public sealed class Er7MalformedCorpusTests
{
    private static readonly string[] Samples = [.. Er7Samples.All.Select(s => s.Name)];

    public static IEnumerable<TestCaseData> Corpus() =>
        Er7MalformedCorpus.Cases.Select(c => new TestCaseData(c).SetName($"Er7_Malformed_{c.Name}_{c.Expect}"));

    [Test]
    public void Corpus_HasSeveralHundredCasesOfEachKind()
    {
        var kinds = Er7MalformedCorpus.Cases.GroupBy(c => c.Name.Split('-')[0]).ToDictionary(g => g.Key, g => g.Count());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Er7MalformedCorpus.Cases, Has.Count.GreaterThanOrEqualTo(800));
            Assert.That(Er7MalformedCorpus.Cases.Count(c => c.Expect == Er7Expect.Refused), Is.GreaterThanOrEqualTo(400));
            Assert.That(kinds.Keys, Is.SupersetOf(new[] { "swap", "header", "encoding", "escape", "control", "segments", "repetitions", "fields", "components", "segment", "charset", "invalid" }));
            Assert.That(Samples.Sum(s => Er7MalformedCorpus.Truncations(s).Count()), Is.GreaterThanOrEqualTo(2_000));
        }
    }

    [TestCaseSource(nameof(Corpus))]
    public void ParsedOrRefusedWithALocation_NeverAnyOtherException(Er7MalformedCase c) => Check(c);

    [TestCaseSource(nameof(Samples))]
    public void Truncated_AtEveryByte_ParsedOrRefusedWithALocation(string sample)
    {
        foreach (var c in Er7MalformedCorpus.Truncations(sample))
        {
            Check(c);
        }
    }

    [TestCaseSource(nameof(Samples))]
    public void RandomlyMutated_ParsedOrRefusedWithALocation(string sample)
    {
        foreach (var c in Er7MalformedCorpus.RandomMutations(sample))
        {
            Check(c);
        }
    }

    private static void Check(Er7MalformedCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        Er7FormatException? error = null;
        Assert.That(() =>
        {
            try
            {
                _ = Er7Parser.Parse(Er7Text.Decode(c.Body));
            }
            catch (Er7FormatException e)
            {
                error = e;
            }
        }, Throws.Nothing, c.Name);

        if (c.Expect == Er7Expect.Refused)
        {
            Assert.That(error, Is.Not.Null, $"{c.Name}: parsed");
        }

        if (error is not null)
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(error.Location, Is.Not.Null, c.Name);
                Assert.That(error.Location.Segment, Is.Not.Empty, c.Name);
                Assert.That(error.Problem, Is.Not.Null.And.Not.Empty, c.Name);
                Assert.That(error.Message, Is.EqualTo($"{error.Location}: {error.Problem}"), c.Name);
                Assert.That(error.Location.ToErl(Er7Delimiters.Standard), Does.Not.Contain("\r").And.Not.Contain("\n"), c.Name);
                if (c.Location is { } expected)
                {
                    Assert.That(error.Location.ToString(), Is.EqualTo(expected), $"{c.Name}: {error.Message}");
                }
            }
        }

        Assert.That(() => Er7FuzzTarget.Er7(c.Body), Throws.Nothing, c.Name);
    }
}
