using System.Text;
using CrsMonitor.Service.Ingest;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Tests.Ingest;

/// <summary>
/// Parsing: Firely's FhirJsonDeserializer (DEFAULT mode) behind a strict JSON scan. Anything wrong is a 400 whose
/// issues name the element by the JSON path the client sent, say what is wrong in words, and carry Firely's code.
/// </summary>
public sealed class FhirJsonTests
{
    private static (Resource? Resource, FhirError? Error) Parse(string json, string? type = "Observation") => FhirJson.Parse(Encoding.UTF8.GetBytes(json), type);

    private static OperationOutcome.IssueComponent Single(FhirError? error)
    {
        Assert.That(error, Is.Not.Null);
        Assert.That(error!.StatusCode, Is.EqualTo(400));
        Assert.That(error.Outcome.Issue, Has.Count.EqualTo(1), () => IngestSamples.Describe(error));
        return error.Outcome.Issue[0];
    }

    [Test]
    public void Parse_ValidObservation_ReturnsTheResource()
    {
        var (resource, error) = Parse(IngestSamples.Temperature());
        Assert.That(error, Is.Null);
        Assert.That(resource, Is.InstanceOf<Observation>());
        Assert.That((((Observation)resource!).Value as Quantity)?.Value, Is.EqualTo(38.4m));
    }

    [Test]
    public void Parse_Utf8ByteOrderMark_IsIgnored()
    {
        var (resource, error) = FhirJson.Parse(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(IngestSamples.Temperature())).ToArray(), "Observation");
        Assert.That(error, Is.Null);
        Assert.That(resource, Is.InstanceOf<Observation>());
    }

    [Test]
    public void Parse_AnyTypeWhenNoTypeExpected()
    {
        Assert.That(Parse(IngestSamples.Patient, null).Resource, Is.InstanceOf<Patient>());
    }

    [Test]
    public void Parse_NotJson_Is400WithLineAndPosition()
    {
        var issue = Single(Parse("""{"resourceType":"Observation","status":}""").Error);
        Assert.That(issue.Diagnostics, Does.Contain("not valid JSON"));
        Assert.That(issue.Location, Has.Some.Contains("line 1"));
    }

    [TestCase("[]", "an array")]
    [TestCase("null", "null")]
    [TestCase("\"Observation\"", "a string")]
    [TestCase("42", "a number")]
    [TestCase("", "empty")]
    public void Parse_RootNotAnObject_Is400(string json, string said)
    {
        var issue = Single(Parse(json).Error);
        Assert.That(issue.Expression, Is.EqualTo(new[] { "Resource" }));
        Assert.That(issue.Diagnostics, Does.Contain(said));
    }

    [Test]
    public void Parse_MissingResourceType_Is400NamingIt()
    {
        var issue = Single(Parse("""{"status":"final","code":{"text":"t"}}""").Error);
        Assert.That(issue.Expression, Is.EqualTo(new[] { "Resource.resourceType" }));
        Assert.That(issue.Diagnostics, Does.Contain("missing"));
    }

    [Test]
    public void Parse_UnknownResourceType_Is400NamingIt()
    {
        var issue = Single(Parse("""{"resourceType":"Vitals","status":"final"}""").Error);
        Assert.That(issue.Expression, Is.EqualTo(new[] { "Resource.resourceType" }));
        Assert.That(issue.Diagnostics, Does.Contain("'Vitals' is not a FHIR R4 resource type"));
    }

    [Test]
    public void Parse_ResourceTypeOtherThanTheUrls_Is400NamingIt()
    {
        var issue = Single(Parse(IngestSamples.Patient, "Observation").Error);
        Assert.That(issue.Expression, Is.EqualTo(new[] { "Resource.resourceType" }));
        Assert.That(issue.Diagnostics, Does.Contain("'Patient'").And.Contain("Observation"));
    }

    [Test]
    public void Parse_DuplicateProperty_Is400NamingItsPath()
    {
        var json = IngestSamples.Temperature().Replace("\"value\":38.4", "\"value\":38.4,\"value\":39.9", StringComparison.Ordinal);
        var issue = Single(Parse(json).Error);
        Assert.That(issue.Expression, Is.EqualTo(new[] { "Observation.valueQuantity.value" }));
        Assert.That(issue.Diagnostics, Does.Contain("more than once"));
    }

    [Test]
    public void Parse_ResourceTypeGivenTwice_Is400()
    {
        // System.Text.Json and Firely would silently keep one of the two: the scan refuses it.
        var json = """{"resourceType":"Observation","status":"final","code":{"text":"t"},"resourceType":"Patient"}""";
        Assert.That(Single(Parse(json).Error).Expression, Is.EqualTo(new[] { "Observation.resourceType" }));
    }

    [Test]
    public void Parse_NestingOver64_Is400SayingTheLimit()
    {
        var json = """{"resourceType":"Observation","status":"final","code":{"text":"t"},"note":""" + new string('[', 65) + new string(']', 65) + "}";
        var issue = Single(Parse(json).Error);
        Assert.That(issue.Diagnostics, Does.Contain("deeper than 64"));
    }

    [Test]
    public void Parse_NestingOf64IsNotRefusedForDepth()
    {
        // 64 levels: the root object, "note" array, and 62 more arrays. Refused by FHIR (note is not an array of
        // arrays), but not for depth.
        var json = """{"resourceType":"Observation","status":"final","code":{"text":"t"},"note":""" + new string('[', 63) + new string(']', 63) + "}";
        var (_, error) = Parse(json);
        Assert.That(error!.Outcome.Issue.Select(i => i.Diagnostics), Has.None.Contains("deeper"));
    }

    [Test]
    public void Parse_InvalidUtf8_Is400()
    {
        var bytes = Encoding.UTF8.GetBytes(IngestSamples.Temperature());
        var at = Encoding.UTF8.GetString(bytes).IndexOf("final", StringComparison.Ordinal);
        bytes[at] = 0xFF;
        var (_, error) = FhirJson.Parse(bytes, "Observation");
        Assert.That(Single(error).Diagnostics, Does.Contain("UTF-8"));
    }

    [Test]
    public void Parse_UnknownElement_Is400WithFirelyCode()
    {
        var issue = Single(Parse("""{"resourceType":"Observation","status":"final","code":{"text":"t"},"colour":"blue"}""").Error);
        Assert.Multiple(() =>
        {
            Assert.That(issue.Expression, Is.EqualTo(new[] { "Observation.colour" }));
            Assert.That(issue.Details!.Coding.Single().System, Is.EqualTo(FhirOutcomes.FirelyErrorSystem));
            Assert.That(issue.Details!.Coding.Single().Code, Is.EqualTo("PVAL128"));
            Assert.That(issue.Diagnostics, Does.Contain("colour"));
        });
    }

    [Test]
    public void Parse_InvalidCode_Is400NamingTheElement()
    {
        var issue = Single(Parse("""{"resourceType":"Observation","status":"done","code":{"text":"t"}}""").Error);
        Assert.That(issue.Expression, Is.EqualTo(new[] { "Observation.status" }));
        Assert.That(issue.Code, Is.EqualTo(OperationOutcome.IssueType.CodeInvalid));
        Assert.That(issue.Details!.Coding.Single().Code, Is.EqualTo("PVAL116"));
    }

    [Test]
    public void Parse_MissingRequiredElement_NamesItUnderTheResourceType()
    {
        var issue = Single(Parse("""{"resourceType":"Observation","code":{"text":"t"}}""").Error);
        Assert.That(issue.Expression, Is.EqualTo(new[] { "Observation.status" }));
        Assert.That(issue.Diagnostics, Does.Not.Contain("$this"));
    }

    [Test]
    public void Parse_ChoiceElementIsNamedAsSent()
    {
        // Firely says Observation.value.value; the client sent valueQuantity.value.
        var issue = Single(Parse("""{"resourceType":"Observation","status":"final","code":{"text":"t"},"valueQuantity":{"value":"38.4"}}""").Error);
        Assert.That(issue.Expression, Is.EqualTo(new[] { "Observation.valueQuantity.value" }));
    }

    [Test]
    public void Parse_TimeWithoutOffset_Is400SayingSo()
    {
        var json = IngestSamples.Temperature().Replace("2025-03-01T08:00:00Z", "2025-03-01T08:00:00", StringComparison.Ordinal);
        var issue = Single(Parse(json).Error);
        Assert.That(issue.Expression, Is.EqualTo(new[] { "Observation.effectiveDateTime" }));
        Assert.That(issue.Diagnostics, Does.Contain("no UTC offset"));
    }

    [Test]
    public void Parse_EveryProblemIsReported()
    {
        var (_, error) = Parse("""{"resourceType":"Observation","status":"done","colour":"blue","valueQuantity":{"value":"x"},"effectiveDateTime":"soon"}""");
        var expressions = error!.Outcome.Issue.SelectMany(i => i.Expression).ToList();
        Assert.That(expressions, Is.SupersetOf(new[]
        {
            "Observation.status", "Observation.colour", "Observation.valueQuantity.value", "Observation.effectiveDateTime", "Observation.code",
        }));
    }

    [Test]
    public void Parse_ProblemsInsideABundle_NameTheEntry()
    {
        var (_, error) = Parse("""{"resourceType":"Bundle","type":"batch","entry":[{"resource":{"resourceType":"Observation","status":"bad","code":{"text":"t"}}}]}""", "Bundle");
        Assert.That(error!.Outcome.Issue.SelectMany(i => i.Expression), Has.Member("Bundle.entry[0].resource.status"));
    }

    [Test]
    public void Parse_LongLiteralsAreCutShortInDiagnostics()
    {
        var (_, error) = Parse(IngestSamples.Temperature().Replace("\"final\"", $"\"{new string('f', 10_000)}\"", StringComparison.Ordinal));
        Assert.That(error!.Outcome.Issue.Single().Diagnostics, Has.Length.LessThan(400));
    }

    [Test]
    public void Serialize_IsCompactAndRoundTrips()
    {
        var resource = Parse(Hl7Examples.SatO2FiO2).Resource!;
        var json = FhirJson.Serialize(resource);
        Assert.That(json, Does.Not.Contain("\n").And.StartsWith("{\"resourceType\":\"Observation\""));
        var again = FhirJson.Parse(Encoding.UTF8.GetBytes(json), "Observation").Resource!;
        Assert.That(again.IsExactly(resource), Is.True);
    }

    [Test]
    public void Serialize_KeepsTheDecimalAsSent()
    {
        var json = FhirJson.Serialize(Parse(IngestSamples.Temperature("100.40", "[degF]")).Resource!);
        Assert.That(json, Does.Contain("\"value\":100.40"));
    }
}
