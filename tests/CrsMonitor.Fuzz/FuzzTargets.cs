using System.Text;
using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Readings;
using Hl7.Fhir.Model;

namespace CrsMonitor.Fuzz;

/// <summary>
/// The two fuzz targets, shared by the afl-fuzz program and the replay test (CrsMonitor.Service.Tests, FuzzCorpusTests):
/// <list type="bullet">
/// <item><see cref="Fhir"/>: the FHIR parse path as the endpoints run it, without a database: <see cref="FhirJson.Parse"/>
/// (400), then <see cref="IngestRules.Check"/> (422) and <see cref="Normaliser.ToReadings"/> for a resource, or for each
/// entry of a Bundle under <c>Bundle.entry[i].resource</c>; an accepted resource is also serialised and parsed again,
/// as a transaction does when it rewrites <c>urn:uuid:</c> references.</item>
/// <item><see cref="Neuro"/>: the neuro-check reader: a QuestionnaireResponse or Observation panel through the same
/// path; an input that starts with <c>[</c> is the item array of a neuro-check QuestionnaireResponse whose header is
/// fixed, so the fuzzer spends its time on the answers (NeuroAnswers) rather than on the header.</item>
/// </list>
/// The property: nothing throws (the code refuses with a <see cref="FhirError"/>, never an exception), and every
/// refusal is well formed: 400 from the parser, 422 from the rules, an OperationOutcome with at least one error issue
/// that says what is wrong. A broken property is a <see cref="FuzzFindingException"/>, which afl-fuzz counts as a crash.
/// </summary>
public static class FuzzTargets
{
    /// <summary>The neuro-check QuestionnaireResponse around an item array (the <c>[</c> inputs of <see cref="Neuro"/>).</summary>
    public const string NeuroHeader =
        """{"resourceType":"QuestionnaireResponse","questionnaire":"https://crsmonitor.org/fhir/Questionnaire/neuro-check","status":"completed","subject":{"reference":"Patient/p1"},"authored":"2025-03-01T08:00:00Z","item":""";

    private static readonly IngestData Data = IngestData.Load(IngestData.DefaultDirectory);
    private static readonly IngestRules Rules = new(Data);
    private static readonly Normaliser Normaliser = new(Data);
    private static readonly ReadingSource Source = new("Fuzz", "f1", 1);

    /// <summary>Target (a): any FHIR JSON body, a single resource or a Bundle.</summary>
    public static FuzzOutcome Fhir(ReadOnlyMemory<byte> input)
    {
        var (resource, error) = Parse(input);
        if (resource is null)
        {
            return FuzzOutcome.Refused(error!);
        }

        if (resource is Bundle bundle)
        {
            var accepted = 0;
            var readings = 0;
            for (var i = 0; i < bundle.Entry.Count; i++)
            {
                if (bundle.Entry[i].Resource is { } entry && FhirEndpointTypes.Contains(entry.TypeName))
                {
                    var outcome = Interpret(entry, $"Bundle.entry[{i}].resource");
                    accepted += outcome.Status is null ? 1 : 0;
                    readings += outcome.Readings;
                }
            }

            return FuzzOutcome.Accepted("Bundle", readings, accepted);
        }

        return Interpret(resource, resource.TypeName);
    }

    /// <summary>Target (b): a neuro check, as a QuestionnaireResponse or Observation panel, or a bare item array.</summary>
    public static FuzzOutcome Neuro(ReadOnlyMemory<byte> input)
    {
        var body = input;
        var start = input.Span.TrimStart(" \t\r\n"u8);
        if (!start.IsEmpty && start[0] == (byte)'[')
        {
            body = Encoding.UTF8.GetBytes(NeuroHeader).Concat(input.ToArray()).Append((byte)'}').ToArray();
        }

        var (resource, error) = Parse(body);
        return resource switch
        {
            null => FuzzOutcome.Refused(error!),
            QuestionnaireResponse or Observation => Interpret(resource, resource.TypeName),
            _ => FuzzOutcome.Accepted(resource.TypeName, 0, 0),
        };
    }

    /// <summary>The types the /fhir endpoint takes: its own list, so the harness follows when one is added.</summary>
    private static readonly HashSet<string> FhirEndpointTypes = [.. CrsMonitor.Service.Ingest.Endpoints.FhirEndpoints.SupportedTypes];

    private static (Resource? Resource, FhirError? Error) Parse(ReadOnlyMemory<byte> body)
    {
        var (resource, error) = FhirJson.Parse(body, null);
        if ((resource is null) == (error is null))
        {
            throw new FuzzFindingException($"FhirJson.Parse gave {(resource is null ? "neither a resource nor an error" : "both a resource and an error")}");
        }

        if (error is not null)
        {
            CheckRefusal(error, 400, "FhirJson.Parse");
        }

        return (resource, error);
    }

    /// <summary>The rules, then the readings when the rules passed, then the stored form parsed again.</summary>
    private static FuzzOutcome Interpret(Resource resource, string prefix)
    {
        var (ruleError, warnings) = Rules.Check(resource, prefix);
        if (ruleError is not null)
        {
            CheckRefusal(ruleError, 422, "IngestRules.Check");
            return FuzzOutcome.Refused(ruleError);
        }

        // ToReadings refuses a resource that breaks the rules with an ArgumentException: after Check passed, that
        // exception means the two disagree, which is a finding like any other exception.
        var readings = Normaliser.ToReadings(resource, Source);
        if (warnings.Count > 0)
        {
            // A success with warnings answers them in an OperationOutcome: it must serialise too.
            _ = FhirJson.Serialize(FhirOutcomes.Outcome(warnings));
        }

        _ = Normaliser.PatientIdOf(resource);

        var stored = FhirJson.Serialize(resource);
        var (again, againError) = FhirJson.Parse(Encoding.UTF8.GetBytes(stored), resource.TypeName);
        if (again is null)
        {
            throw new FuzzFindingException($"an accepted {resource.TypeName} does not parse again once serialised: {Describe(againError!)}");
        }

        return FuzzOutcome.Accepted(resource.TypeName, readings.Count, 1);
    }

    private static void CheckRefusal(FhirError error, int expectedStatus, string by)
    {
        var errors = error.Outcome.Issue.Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal).ToList();
        if (error.StatusCode != expectedStatus || errors.Count == 0 || errors.Any(i => string.IsNullOrWhiteSpace(i.Diagnostics)))
        {
            throw new FuzzFindingException($"{by} refused with a malformed error (expected {expectedStatus} with error issues that say why): {Describe(error)}");
        }

        // The endpoint answers with this OperationOutcome as JSON: it must serialise (any exception here is a 500).
        _ = FhirJson.Serialize(error.Outcome);
    }

    public static string Describe(FhirError error) =>
        $"{error.StatusCode}: {string.Join(" | ", error.Outcome.Issue.Select(i => $"{i.Severity} [{string.Join(",", i.Expression)}] {i.Diagnostics}"))}";
}

/// <summary>What a target made of one input: refused (with the status) or accepted (resources and readings).</summary>
public sealed record FuzzOutcome(string? Type, int? Status, int Readings, int AcceptedResources, FhirError? Error)
{
    public static FuzzOutcome Refused(FhirError error) => new(null, error.StatusCode, 0, 0, error);

    public static FuzzOutcome Accepted(string type, int readings, int resources) => new(type, null, readings, resources, null);

    public override string ToString() => Error is not null
        ? $"refused {FuzzTargets.Describe(Error)}"
        : $"accepted {Type}: {AcceptedResources} resource(s), {Readings} reading(s)";
}

/// <summary>A broken property of the harness (not an exception of the code under test, which is a finding too).</summary>
public sealed class FuzzFindingException : Exception
{
    public FuzzFindingException()
    {
    }

    public FuzzFindingException(string message)
        : base(message)
    {
    }

    public FuzzFindingException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
