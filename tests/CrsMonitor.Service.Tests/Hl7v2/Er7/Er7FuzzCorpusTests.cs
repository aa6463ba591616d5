using CrsMonitor.Fuzz;
using CrsMonitor.Service.Hl7v2.Er7;

namespace CrsMonitor.Service.Tests.Hl7v2.Er7;

/// <summary>
/// The er7 fuzz target replayed over its seed and regression corpora (tests/CrsMonitor.Fuzz/Corpus/*/er7), so CI runs
/// them with no fuzzer: each input is a parsed message (which writes back and parses again to the same text) or a
/// well-formed refusal, never another exception. The valid seeds must parse.
/// </summary>
public sealed class Er7FuzzCorpusTests
{
    public static IEnumerable<TestCaseData> Inputs() =>
        from kind in new[] { "Seeds", "Regressions" }
        let folder = Path.Combine(CorpusRoot(), kind, "er7")
        where Directory.Exists(folder)
        from file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal)
        select new TestCaseData(file).SetName($"Fuzz_{kind}_er7_{Path.GetFileName(file)}");

    [Test]
    public void Seeds_AreThere() =>
        Assert.That(Directory.EnumerateFiles(Path.Combine(CorpusRoot(), "Seeds", "er7")).Count(), Is.GreaterThanOrEqualTo(20));

    [TestCaseSource(nameof(Inputs))]
    public void Input_IsParsedOrRefusedWithALocation_NeverThrows(string file)
    {
        var input = File.ReadAllBytes(file);
        Er7FuzzOutcome outcome = null!;
        Assert.That(() => outcome = Er7FuzzTarget.Er7(input), Throws.Nothing);
        var name = Path.GetFileName(file);
        if (name.StartsWith("valid-", StringComparison.Ordinal))
        {
            Assert.That(outcome.Error, Is.Null, () => outcome.ToString());
            Assert.That(outcome.Segments, Is.GreaterThanOrEqualTo(1));
        }
        else if (name.StartsWith("malformed-", StringComparison.Ordinal))
        {
            Assert.That(outcome.Error, Is.InstanceOf<Er7FormatException>(), () => outcome.ToString());
        }
    }

    private static string CorpusRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CrsMonitor.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "CrsMonitor.Fuzz", "Corpus");
            }
        }

        throw new InvalidOperationException("CrsMonitor.sln not found above the test folder");
    }
}
