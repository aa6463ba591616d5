using System.Text;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Ingest;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Tests.Ingest;

/// <summary>
/// Input that must never reach the database or the clock arithmetic (issue 10): text a provider cannot store (U+0000,
/// other C0 controls, unpaired surrogates) is a 400 naming the element; times outside the supported range are a 422
/// naming the element; a body of too many JSON values is refused by the first scan, before the parser, and a parse
/// with thousands of findings lists the first <see cref="FhirOutcomes.MaxIssues"/> and counts the rest.
/// </summary>
public sealed class HostileParseTests
{
    private static FhirError Refused(string json, int status, string type = "Observation")
    {
        var result = IngestSamples.Ingest(json, type);
        Assert.That(result.Error, Is.Not.Null, "accepted");
        Assert.That(result.Error!.StatusCode, Is.EqualTo(status), () => IngestSamples.Describe(result.Error));
        return result.Error;
    }

    private static IEnumerable<string?> Expressions(FhirError error) => error.Outcome.Issue.SelectMany(i => i.Expression);

    private static string Mutate(string json, Action<JsonObject> change)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        change(node);
        return node.ToJsonString();
    }

    private static string WithIdentifiers(params string[] values) => Mutate(IngestSamples.Temperature(), o =>
        o["identifier"] = new JsonArray([.. values.Select(v => (JsonNode)new JsonObject { ["system"] = "urn:feed", ["value"] = v })]));

    [TestCase("\u0000")]
    [TestCase("a\u0000b")]
    [TestCase("\u0001")]
    [TestCase("\u001f")]
    [TestCase("\u0008")]
    public void ControlCharacter_InAnIdentifierValue_Is400NamingThatElement(string value)
    {
        var error = Refused(WithIdentifiers("ok-1", value), 400);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Expressions(error), Is.EqualTo(new[] { "Observation.identifier[1].value" }));
            Assert.That(error.Outcome.Issue[0].Diagnostics, Does.Contain($"U+{(int)value.Trim('a', 'b')[0]:X4}"));
        }
    }

    [Test]
    public void Nul_InNestedTextAndInAPropertyName_NamesEachElement()
    {
        var json = Mutate(IngestSamples.Temperature(), o =>
        {
            o["note"] = new JsonArray(new JsonObject { ["text"] = "fine" }, new JsonObject { ["text"] = "bad\u0000note" });
            o["code"]!["coding"]![0]!["display"] = "\u0000";
            o["x\u0000y"] = 1;
        });
        var expressions = Expressions(Refused(json, 400)).ToList();
        // A property name that holds the NUL is named with it written out, so the OperationOutcome stays valid FHIR.
        Assert.That(expressions, Is.SupersetOf(new[] { "Observation.note[1].text", "Observation.code.coding[0].display", "Observation.x\\u0000y" }));
    }

    [Test]
    public void UnpairedSurrogateEscape_Is400()
    {
        var json = IngestSamples.Temperature().Replace("\"status\":\"final\"", "\"status\":\"final\",\"note\":[{\"text\":\"\\ud800\"}]", StringComparison.Ordinal);
        Assert.That(Expressions(Refused(json, 400)), Has.Some.StartsWith("Observation"));
    }

    [TestCase("tab\there")]
    [TestCase("two\r\nlines")]
    [TestCase("emoji \U0001F600 and accents é")]
    public void TabsLineBreaksAndPairedSurrogates_AreAccepted(string text)
    {
        var json = Mutate(IngestSamples.Temperature(), o => o["note"] = new JsonArray(new JsonObject { ["text"] = text }));
        Assert.That(IngestSamples.Ingest(json, "Observation").Error, Is.Null);
    }

    [TestCase("0001-01-02T00:00:00Z")]
    [TestCase("9999-12-31T23:59:59Z")]
    [TestCase("1899-12-31T23:59:59Z")]
    [TestCase("2200-01-01T00:00:00Z")]
    [TestCase("0001")]
    [TestCase("9999-12-31")]
    public void EffectiveOutsideTheSupportedRange_Is422NamingIt(string at)
    {
        var error = Refused(IngestSamples.Quantity("8310-5", "38.4", "Cel", at), 422);
        Assert.That(Expressions(error), Has.Member("Observation.effectiveDateTime"));
        Assert.That(error.Outcome.Issue.Select(i => i.Diagnostics), Has.Some.Contains("outside the supported range"));
    }

    [TestCase("0001-01-01T00:00:00+01:00")]
    [TestCase("9999-12-31T23:59:59-01:00")]
    public void EffectiveBeyondWhatADateTimeHolds_Is400NamingIt(string at) =>
        Assert.That(Expressions(Refused(IngestSamples.Quantity("8310-5", "38.4", "Cel", at), 400)), Has.Member("Observation.effectiveDateTime"));

    [TestCase("1900-01-01T00:00:00Z")]
    [TestCase("1900-01-01T01:00:00+01:00")]
    [TestCase("2199-12-31T23:59:59Z")]
    public void EffectiveAtTheEdgesOfTheRange_IsAccepted(string at) =>
        Assert.That(IngestSamples.Ingest(IngestSamples.Quantity("8310-5", "38.4", "Cel", at), "Observation").Error, Is.Null);

    [Test]
    public void IssuedPeriodAuthoredAndBirthDate_OutsideTheRange_Are422NamingEach()
    {
        var issued = Mutate(IngestSamples.Temperature(), o => o["issued"] = "0001-01-01T00:00:00Z");
        var period = Mutate(IngestSamples.Temperature(), o =>
        {
            o.Remove("effectiveDateTime");
            o["effectivePeriod"] = new JsonObject { ["start"] = "2025-03-01T08:00:00Z", ["end"] = "9999-12-31T23:59:59Z" };
        });
        var authored = IngestSamples.NeuroCheckResponse().Replace(IngestSamples.At, "0001-01-01T00:00:00Z", StringComparison.Ordinal);
        var patient = Mutate(IngestSamples.Patient, o => o["birthDate"] = "1899-12-31");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Expressions(Refused(issued, 422)), Has.Member("Observation.issued"));
            Assert.That(Expressions(Refused(period, 422)), Has.Member("Observation.effectivePeriod.end"));
            Assert.That(Expressions(Refused(authored, 422, "QuestionnaireResponse")), Has.Member("QuestionnaireResponse.authored"));
            Assert.That(Expressions(Refused(patient, 422, "Patient")), Has.Member("Patient.birthDate"));
        }
    }

    [Test]
    public void MoreJsonValuesThanTheLimit_Is400TooCostly_FromTheFirstScan()
    {
        var body = WithUnknownElements(FhirJson.MaxValuesPerResource);
        var (resource, error) = FhirJson.Parse(body, "Observation");
        Assert.That(resource, Is.Null);
        Assert.That(error!.StatusCode, Is.EqualTo(400));
        var issue = error.Outcome.Issue.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(issue.Code, Is.EqualTo(OperationOutcome.IssueType.TooCostly));
            Assert.That(issue.Diagnostics, Does.Contain("more than 100,000 JSON values"));
            Assert.That(issue.Expression.Single(), Does.StartWith("Observation"));
        }
    }

    [Test]
    public void ABundleMayHoldMoreValuesThanOneResource()
    {
        var values = new StringBuilder("""{"resourceType":"Bundle","type":"batch","entry":[""");
        for (var i = 0; i < FhirJson.MaxValuesPerResource / 2; i++)
        {
            values.Append(i == 0 ? "{}" : ",{}");
        }

        var (_, error) = FhirJson.Parse(Encoding.UTF8.GetBytes(values.Append("]}").ToString()), "Bundle");
        Assert.That(error?.Outcome.Issue.Select(i => i.Code), Has.None.EqualTo(OperationOutcome.IssueType.TooCostly));
    }

    [Test]
    public void ThousandsOfUnknownElements_ListTheFirst100_AndCountTheRest()
    {
        var (_, error) = FhirJson.Parse(WithUnknownElements(20_000), "Observation");
        var issues = error!.Outcome.Issue;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(issues, Has.Count.EqualTo(FhirOutcomes.MaxIssues + 1));
            Assert.That(issues.Take(FhirOutcomes.MaxIssues).SelectMany(i => i.Expression), Is.EqualTo(Enumerable.Range(0, 100).Select(i => $"Observation.u{i}")));
            Assert.That(issues[^1].Diagnostics, Does.Contain("19900 more problems"));
        }
    }

    /// <summary>A valid Observation with <paramref name="count"/> unknown elements (count + 4 JSON values at least).</summary>
    private static byte[] WithUnknownElements(int count)
    {
        var json = new StringBuilder("""{"resourceType":"Observation","status":"final","code":{"text":"t"}""");
        for (var i = 0; i < count; i++)
        {
            json.Append(",\"u").Append(i).Append("\":1");
        }

        return Encoding.UTF8.GetBytes(json.Append('}').ToString());
    }
}
