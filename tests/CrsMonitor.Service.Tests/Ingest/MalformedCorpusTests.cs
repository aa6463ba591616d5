using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Tests.Ingest;

/// <summary>
/// Every malformed or hostile input is refused with its 400 or 422 and an OperationOutcome whose issues say where and
/// what, and nothing a client sends makes the ingester throw.
/// </summary>
public sealed class MalformedCorpusTests
{
    public static IEnumerable<TestCaseData> Corpus() =>
        MalformedCorpus.Cases.Select(c => new TestCaseData(c).SetName($"Ingest_Malformed_{c.Name}_Is{c.Status}"));

    [Test]
    public void Corpus_HasAtLeast200Cases() => Assert.That(MalformedCorpus.Cases, Has.Count.GreaterThanOrEqualTo(200));

    [TestCaseSource(nameof(Corpus))]
    public void Refused(MalformedCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        IngestResult result = null!;
        Assert.That(() => result = IngestSamples.Ingest(c.Body, c.Type), Throws.Nothing);
        Assert.That(result.Error, Is.Not.Null, "accepted");
        var error = result.Error!;
        Assert.Multiple(() =>
        {
            Assert.That(error.StatusCode, Is.EqualTo(c.Status), () => IngestSamples.Describe(error));
            Assert.That(error.Outcome.Issue, Is.Not.Empty);
            Assert.That(error.Outcome.Issue.Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal), Is.Not.Empty);
            Assert.That(error.Outcome.Issue.All(i => i.Expression.Any(e => !string.IsNullOrEmpty(e)) || !string.IsNullOrWhiteSpace(i.Diagnostics)), Is.True);
            Assert.That(error.Outcome.Issue.Where(i => i.Severity == OperationOutcome.IssueSeverity.Error).All(i => !string.IsNullOrWhiteSpace(i.Diagnostics)), Is.True);
            if (c.Expression is { } expected)
            {
                Assert.That(error.Outcome.Issue.SelectMany(i => i.Expression), Has.Some.StartsWith(expected), () => IngestSamples.Describe(error));
            }
        });
    }
}
