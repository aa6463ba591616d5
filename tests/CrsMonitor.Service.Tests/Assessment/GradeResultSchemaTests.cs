using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrsMonitor.Grading;
using CrsMonitor.Service.Tests.Alerts;
using Json.Schema;

namespace CrsMonitor.Service.Tests.Assessment;

/// <summary>
/// schemas/grading/grade-result.schema.json is the contract of grade results: its flag and reason words are exactly the
/// grading core's constants, and the calculator's answers (old rules and the section-6 ones) match it.
/// </summary>
public sealed class GradeResultSchemaTests
{
    private static readonly Lazy<JsonNode> SchemaJson = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AlertSchema.RepositoryRoot(), "schemas", "grading", "grade-result.schema.json")))!);

    [Test]
    public void Schema_FlagWords_AreExactlyGradeFlags() =>
        Assert.That(Enum(SchemaJson.Value["properties"]!["flags"]!["items"]!), Is.EquivalentTo(Constants(typeof(GradeFlags))));

    [Test]
    public void Schema_ReasonWords_AreExactlyNotGradableReasons() =>
        Assert.That(Enum(SchemaJson.Value["properties"]!["reason"]!).OfType<string>(), Is.EquivalentTo(Constants(typeof(NotGradableReasons))));

    [TestCase("""{"ageYears":10,"icans":{"iceScore":2,"consciousness":"alert"}}""", TestName = "Schema_MatchesTheCalculator_IcansScale")]
    [TestCase("""{"icans":{"consciousness":"alert"}}""", TestName = "Schema_MatchesTheCalculator_IcansMissing")]
    [TestCase("""{"crs":{"temperature":{"value":36.8,"unit":"Cel"},"oxygen":{"device":"cpap"},"medications":[{"class":"antipyretic"}]}}""", TestName = "Schema_MatchesTheCalculator_CrsAfebrile")]
    [TestCase("""{"ageYears":3,"crs":{"temperature":{"value":38.6,"unit":"Cel"},"systolicBp":74,"oxygen":{"device":"nasal-cannula"}},"icans":{"iceScore":10,"consciousness":"alert"}}""", TestName = "Schema_MatchesTheCalculator_BothScales")]
    public async Task Schema_MatchesTheCalculatorsAnswers(string body)
    {
        await using var host = new ServiceHost();
        using var nurse = host.ClientFor("nurse", "7W");
        var response = JsonNode.Parse(await Fhir.FhirTestData.Ok(await nurse.PostAsync("/api/grading/evaluate", ServiceHost.Json(body))))!;
        var schema = JsonSchema.FromText(SchemaJson.Value.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        foreach (var scale in new[] { "crs", "icans" }.Where(s => response[s] is not null))
        {
            using var document = JsonDocument.Parse(response[scale]!.ToJsonString());
            var result = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.That(result.IsValid, Is.True, $"{scale}: {response[scale]!.ToJsonString()}");
        }
    }

    private static IEnumerable<string?> Enum(JsonNode node) => node["enum"]!.AsArray().Select(n => n?.GetValue<string>());

    private static IEnumerable<string> Constants(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!);
}
