using CrsMonitor.Fuzz;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Tests.Ingest;

/// <summary>
/// The fuzz harness's corpora replayed through its own targets (tests/CrsMonitor.Fuzz/FuzzTargets.cs), so CI runs them
/// with no fuzzer: the seeds (public HL7 and Synthea examples, the valid samples, a cut of the malformed corpus) and the
/// regressions (every crash or hang afl-fuzz found, kept once reported). Each input gives a parse result or a
/// well-formed refusal (400 from the parser, 422 from the rules, with error issues that say why), never an exception.
/// </summary>
public sealed class FuzzCorpusTests
{
    private static readonly string[] Targets = ["fhir", "neuro"];

    public static IEnumerable<TestCaseData> Inputs() =>
        from kind in new[] { "Seeds", "Regressions" }
        from target in Targets
        let folder = Path.Combine(CorpusRoot(), kind, target)
        where Directory.Exists(folder)
        from file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal)
        select new TestCaseData(target, file).SetName($"Fuzz_{kind}_{target}_{Path.GetFileName(file)}");

    [TestCase("Seeds", "fhir", 40)]
    [TestCase("Seeds", "neuro", 10)]
    public void Corpus_IsThere(string kind, string target, int atLeast) =>
        Assert.That(Directory.EnumerateFiles(Path.Combine(CorpusRoot(), kind, target)).Count(), Is.GreaterThanOrEqualTo(atLeast));

    [TestCaseSource(nameof(Inputs))]
    public void Input_IsParsedOrRefusedWithAnOutcome_NeverThrows(string target, string file)
    {
        var input = File.ReadAllBytes(file);
        FuzzOutcome outcome = null!;
        Assert.That(() => outcome = target == "fhir" ? FuzzTargets.Fhir(input) : FuzzTargets.Neuro(input), Throws.Nothing);
        if (outcome.Error is not { } error)
        {
            Assert.That(outcome.Type, Is.Not.Null.And.Not.Empty, "accepted, but as no resource type");
            return;
        }

        Assert.Multiple(() =>
        {
            Assert.That(error.StatusCode, Is.AnyOf(400, 422), () => FuzzTargets.Describe(error));
            Assert.That(error.Outcome.Issue.Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal)
                .Select(i => i.Diagnostics), Is.Not.Empty.And.All.Not.Null.And.All.Not.Empty, () => FuzzTargets.Describe(error));
        });
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
