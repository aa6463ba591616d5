namespace CrsMonitor.Service.Tests.Ingest;

/// <summary>Every valid base resource (the corpus mutates these) passes the parser and the rules.</summary>
public sealed class ValidResourcesTests
{
    public static IEnumerable<TestCaseData> ValidCases() =>
        IngestSamples.Valid.Select(v => new TestCaseData(v.Type, v.Json).SetName($"Ingest_Valid_{v.Name}_IsAccepted"));

    [TestCaseSource(nameof(ValidCases))]
    public void Accepted(string type, string json)
    {
        var result = IngestSamples.Ingest(json, type);
        Assert.That(result.Error, Is.Null, () => IngestSamples.Describe(result.Error!));
        TestContext.Out.WriteLine($"{result.Readings.Count} readings: {string.Join("; ", result.Readings.Select(r => $"{r.Kind} {r.Value} {r.Code} {r.Qualifier} {r.EffectiveAt:o} {r.EndAt:o} {r.OriginalValue} {r.Detail}"))}");
        TestContext.Out.WriteLine($"warnings: {string.Join("; ", result.Warnings.Select(w => w.Diagnostics))}");
    }
}
