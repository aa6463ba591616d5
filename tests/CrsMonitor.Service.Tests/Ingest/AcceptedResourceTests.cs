using System.Security.Cryptography;
using System.Text;
using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Readings;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Tests.Ingest;

/// <summary>
/// The accepted form (issue 12, interpret once): made once before the transaction, it must give exactly what the
/// write path computed before: the same content hash (stored hashes stay valid: a resend to an existing database is
/// still recognised), the same stored JSON byte for byte, the same readings.
/// </summary>
public sealed class AcceptedResourceTests
{
    private static readonly DateTimeOffset[] Instants =
    [
        new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero),
        new DateTimeOffset(2026, 12, 4, 9, 1, 2, TimeSpan.Zero).AddTicks(1230),
        new DateTimeOffset(2026, 12, 31, 23, 59, 59, TimeSpan.Zero).AddTicks(9_999_990),
    ];

    /// <summary>Fixed resources and the SHA-256 the write path before issue 12 stored for them (computed with that code).</summary>
    private static readonly (string Json, string Hash)[] DigestsBefore =
    [
        ("""{"resourceType":"Observation","id":"client-id","meta":{"versionId":"7","lastUpdated":"2020-01-01T00:00:00Z","profile":["http://hl7.org/fhir/StructureDefinition/bodytemp"]},"status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"8310-5"}]},"subject":{"reference":"Patient/hash-p1"},"effectiveDateTime":"2026-11-02T08:15:00+01:00","valueQuantity":{"value":38.50,"unit":"Cel","system":"http://unitsofmeasure.org","code":"Cel"},"note":[{"text":"fièvre < 39 & \"frissons\" + sueurs"}]}""",
         "ced8d6a38f546fd924dcf2104318114a3d8365c21ee2a911e2d2de084a662449"),
        ("""{"resourceType":"MedicationAdministration","status":"completed","medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"161"}]},"subject":{"reference":"Patient/hash-p1"},"effectivePeriod":{"start":"2026-11-02T09:00:00Z","end":"2026-11-02T09:05:00Z"}}""",
         "62638412a88779b4cb8d237960698445b0c3f87785e2e9fc4e1b1c0f7c4a35c2"),
    ];

    public static IEnumerable<TestCaseData> Resources()
    {
        foreach (var (name, type, json) in IngestSamples.Valid)
        {
            yield return new TestCaseData(type, json).SetArgDisplayNames(name);
        }

        // The client's own meta: kept (profile, tag, security, source, extension, meta.id), versionId and lastUpdated replaced.
        yield return new TestCaseData("Observation", WithMeta("""{"versionId":"9","lastUpdated":"2020-01-01T00:00:00Z"}""")).SetArgDisplayNames("meta-stamp-only");
        yield return new TestCaseData("Observation", WithMeta("""{"id":"m1","extension":[{"url":"http://example.org/x","valueString":"a\"b"}],"versionId":"9","source":"http://src#1","profile":["http://p/1","http://p/2"],"security":[{"system":"http://s","code":"R"}],"tag":[{"system":"http://t","code":"x"}]}""")).SetArgDisplayNames("meta-everything");
        yield return new TestCaseData("Observation", WithMeta("""{"tag":[{"code":"lastUpdated"}]}""")).SetArgDisplayNames("meta-tag-only");
        yield return new TestCaseData("Observation", DigestsBefore[0].Json).SetArgDisplayNames("escapes-and-decimal");
    }

    [TestCaseSource(nameof(Resources))]
    public void ContentHash_IsTheHashTheWritePathComputedBefore(string type, string json)
    {
        var resource = Parse(json, type);
        Assert.That(Accept(json, type).ContentHash, Is.EqualTo(ContentHashBefore(resource)));
    }

    [Test]
    public void ContentHash_OfFixedResources_IsTheDigestStoredBeforeTheChange_SoAnExistingDatabaseStillRecognisesAResend()
    {
        using (Assert.EnterMultipleScope())
        {
            foreach (var (json, hash) in DigestsBefore)
            {
                var type = json.Contains("\"Observation\"", StringComparison.Ordinal) ? "Observation" : "MedicationAdministration";
                Assert.That(Accept(json, type).ContentHash, Is.EqualTo(hash));
            }
        }
    }

    [TestCaseSource(nameof(Resources))]
    public void StoredJson_IsTheResourceAsSentWithTheServersIdAndMeta_ByteForByte(string type, string json)
    {
        var accepted = Accept(json, type);
        var resource = Parse(json, type);
        using (Assert.EnterMultipleScope())
        {
            foreach (var at in Instants)
            {
                Assert.That(accepted.ToStore("srv-id.1").Body(3, at), Is.EqualTo(StampBefore(resource, "srv-id.1", 3, at)), at.ToString("O"));
            }
        }
    }

    [TestCaseSource(nameof(Resources))]
    public void StoredJson_WithoutIdAndMeta_IsTheAcceptedContent(string type, string json)
    {
        var accepted = Accept(json, type);
        var stamped = accepted.Json.Stamp("x1", 1, Instants[1]);
        var reread = Parse(stamped, type);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(reread.Id, Is.EqualTo("x1"));
            Assert.That(reread.Meta!.VersionId, Is.EqualTo("1"));
            Assert.That(reread.Meta.LastUpdated, Is.EqualTo(Instants[1]));
            Assert.That(StoredJson.Of(reread).Content, Is.EqualTo(accepted.Json.Content));
        }
    }

    [TestCaseSource(nameof(Resources))]
    public void Readings_AreTheNormalisersReadings(string type, string json)
    {
        var source = new ReadingSource(type, "r1", 2);
        var expected = IngestSamples.Normaliser.ToReadings(Parse(json, type), source);
        Assert.That(Accept(json, type).ReadingsOf(source), Is.EqualTo(expected));
    }

    [Test]
    public void Accepting_LeavesTheResourcesIdAndMetaAsSent()
    {
        var resource = Parse(DigestsBefore[0].Json, "Observation");
        var meta = resource.Meta;
        _ = StoredJson.Of(resource);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(resource.Id, Is.EqualTo("client-id"));
            Assert.That(resource.Meta, Is.SameAs(meta));
            Assert.That(resource.Meta!.VersionId, Is.EqualTo("7"));
        }
    }

    [Test]
    public void Stamp_RefusesAnIdThatIsNotAFhirId()
    {
        var accepted = Accept(IngestSamples.Temperature(), "Observation");
        Assert.That(() => accepted.Json.Stamp("a\"b", 1, Instants[0]), Throws.ArgumentException);
    }

    [Test]
    public void Interpret_AnIdentifierLongerThanTheStoreKeeps_Is422NamingTheIdentifier()
    {
        var json = IngestSamples.Temperature().Replace("\"status\"", $"\"identifier\":[{{\"system\":\"urn:x\",\"value\":\"{new string('v', 401)}\"}}],\"status\"", StringComparison.Ordinal);
        var interpretation = IngestSamples.Rules.Interpret(Parse(json, "Observation"), "Observation");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(interpretation.Error?.StatusCode, Is.EqualTo(422));
            Assert.That(interpretation.Error?.Outcome.Issue.SelectMany(i => i.Expression), Is.EqualTo(new[] { "Observation.identifier" }));
            Assert.That(() => interpretation.Accept(), Throws.InvalidOperationException);
        }
    }

    private static string WithMeta(string meta) =>
        IngestSamples.Temperature().Replace("{\"resourceType\":\"Observation\",", $"{{\"resourceType\":\"Observation\",\"id\":\"sent-id\",\"meta\":{meta},", StringComparison.Ordinal);

    private static Resource Parse(string json, string type)
    {
        var (resource, error) = FhirJson.Parse(Encoding.UTF8.GetBytes(json), type);
        Assert.That(error, Is.Null, () => IngestSamples.Describe(error!));
        return resource!;
    }

    private static AcceptedResource Accept(string json, string type)
    {
        var interpretation = IngestSamples.Rules.Interpret(Parse(json, type), type);
        Assert.That(interpretation.Error, Is.Null, () => IngestSamples.Describe(interpretation.Error!));
        return interpretation.Accept();
    }

    /// <summary>The write path's hash before issue 12 (FhirWriter.ContentHash): a deep copy without id and meta, serialised.</summary>
    private static string ContentHashBefore(Resource resource)
    {
        var copy = (Resource)resource.DeepCopy();
        copy.Id = null;
        copy.Meta = null;
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(FhirJson.Serialize(copy))));
    }

    /// <summary>The write path's stored JSON before issue 12 (FhirWriter.Stamp): a deep copy with id and meta set, serialised.</summary>
    private static string StampBefore(Resource resource, string id, int version, DateTimeOffset lastUpdated)
    {
        var copy = (Resource)resource.DeepCopy();
        copy.Id = id;
        copy.Meta ??= new Meta();
        copy.Meta.VersionId = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        copy.Meta.LastUpdated = lastUpdated;
        return FhirJson.Serialize(copy);
    }
}
