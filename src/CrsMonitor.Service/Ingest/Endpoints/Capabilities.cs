using CrsMonitor.Service.Identity;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary><c>GET /fhir/metadata</c>: exactly what this server does, no more.</summary>
public static class Capabilities
{
    public static async Task<IResult> AnswerAsync(HttpContext context, TimeProvider time, IOptions<IdentitySettings> identity)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(identity);
        var provider = await ProviderEndpoints.DiscoverAsync(context.RequestServices, identity.Value, context.RequestAborted).ConfigureAwait(false);
        return FhirHttp.Resource(Statement(time.GetUtcNow(), identity.Value, provider));
    }

    public static CapabilityStatement Statement(DateTimeOffset now, IdentitySettings identity, ProviderEndpoints? provider)
    {
        var rest = new CapabilityStatement.RestComponent
        {
            Mode = CapabilityStatement.RestfulCapabilityMode.Server,
            Documentation = "Bearer JWT on everything but metadata. Integration clients write; nurses and physicians read the patients "
                + "of their units. Observations, MedicationAdministrations and QuestionnaireResponses are graded (ASTCT 2019); a "
                + "MedicationStatement (a corticosteroid or antipyretic taken at home, informationSource the Patient or a RelatedPerson) "
                + "enters the medication context as reported by them, never as a dose. "
                + "FHIR JSON only (406 for any other Accept or _format, 415 for another Content-Type or any Content-Encoding); "
                + "the files of a Bulk Data export are NDJSON.",
            Security = CapabilitySecurity.For(identity, provider),
        };
        foreach (var type in FhirEndpoints.SupportedTypes)
        {
            var resource = new CapabilityStatement.ResourceComponent
            {
                Type = type,
                Versioning = CapabilityStatement.ResourceVersionPolicy.Versioned,
                ReadHistory = false,
                UpdateCreate = true,
                ConditionalCreate = FhirEndpoints.ConditionalCreateTypes.Contains(type),
                ConditionalRead = CapabilityStatement.ConditionalReadStatus.FullSupport,
                ConditionalUpdate = FhirEndpoints.ConditionalCreateTypes.Contains(type),
                ConditionalDelete = CapabilityStatement.ConditionalDeleteStatus.NotSupported,
            };
            resource.Interaction.AddRange(
                new[] { CapabilityStatement.TypeRestfulInteraction.Read, CapabilityStatement.TypeRestfulInteraction.Vread,
                        CapabilityStatement.TypeRestfulInteraction.Create, CapabilityStatement.TypeRestfulInteraction.Update }
                    .Select(code => new CapabilityStatement.ResourceInteractionComponent { Code = code }));
            if (type == "Observation")
            {
                resource.Interaction.Add(new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType });
                resource.SearchParam.AddRange(ObservationSearchParameters);
            }

            rest.Resource.Add(resource);
        }

        rest.Interaction.Add(new CapabilityStatement.SystemInteractionComponent { Code = CapabilityStatement.SystemRestfulInteraction.Transaction });
        rest.Interaction.Add(new CapabilityStatement.SystemInteractionComponent { Code = CapabilityStatement.SystemRestfulInteraction.Batch });
        rest.Operation.Add(new CapabilityStatement.OperationComponent
        {
            Name = "export",
            Definition = BulkExportDefinition,
            Documentation = "FHIR Bulk Data (IG v2.0.0) system-level export of de-identified research data, researcher role only: "
                + "GET [base]/$export with Prefer: respond-async (and Accept: application/fhir+json); _type (a comma list of the types offered) "
                + "and _outputFormat (application/fhir+ndjson, application/ndjson or ndjson) only, any other parameter is 400. "
                + "202 with Content-Location [base]/$export-status/[id]: 202 with X-Progress and Retry-After while it is built, 200 with the "
                + "manifest and Expires when complete, 500 with an OperationOutcome when it failed; DELETE on it cancels the export and "
                + "deletes its files. Files: GET [base]/$export-file/[id]/[name] with the same token (requiresAccessToken). An export is "
                + "its researcher's alone; each researcher has a few in progress at once (then 429 with Retry-After).",
        });

        var statement = new CapabilityStatement
        {
            Id = "crsmonitor",
            Url = "https://crsmonitor.org/fhir/CapabilityStatement/crsmonitor",
            Name = "CrsMonitor",
            Title = "CrsMonitor FHIR R4 ingest",
            Status = PublicationStatus.Active,
            Date = now.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            Kind = CapabilityStatementKind.Instance,
            Software = new CapabilityStatement.SoftwareComponent { Name = "CrsMonitor" },
            Implementation = new CapabilityStatement.ImplementationComponent { Description = "CrsMonitor CRS/ICANS monitoring" },
            FhirVersion = FHIRVersion.N4_0_1,
            Format = ["json"],
        };
        statement.Rest.Add(rest);
        return statement;
    }

    /// <summary>The Bulk Data IG's definition of the system-level <c>$export</c> operation.</summary>
    public const string BulkExportDefinition = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export";

    /// <summary>What <see cref="ObservationQuery"/> reads (besides <c>_format</c>, and <c>_page</c>, the cursor of the links it answers).</summary>
    private static IEnumerable<CapabilityStatement.SearchParamComponent> ObservationSearchParameters =>
    [
        new() { Name = "patient", Definition = "http://hl7.org/fhir/SearchParameter/clinical-patient", Type = SearchParamType.Reference,
            Documentation = "Required, once. Patient/[id] or [id]." },
        new() { Name = "subject", Definition = "http://hl7.org/fhir/SearchParameter/Observation-subject", Type = SearchParamType.Reference,
            Documentation = "The same as patient (give one of the two)." },
        new() { Name = "code", Definition = "http://hl7.org/fhir/SearchParameter/clinical-code", Type = SearchParamType.Token,
            Documentation = "system|code, |code or code; comma = or. Derived grades: https://crsmonitor.org/fhir/CodeSystem/observation|crs-grade, |icans-grade." },
        new() { Name = "date", Definition = "http://hl7.org/fhir/SearchParameter/clinical-date", Type = SearchParamType.Date,
            Documentation = "effective time; prefixes eq, ne, gt, lt, ge, le; repeat to bound a range." },
        new() { Name = "_count", Type = SearchParamType.Number,
            Documentation = $"Page size, 0 to {ObservationQuery.MaxCount} (default {ObservationQuery.DefaultCount}); 0 answers the total only. "
                + "Pages follow the effective time, then id; follow Bundle.link next (a keyset cursor: stable while Observations arrive)." },
        new() { Name = "_summary", Type = SearchParamType.Token, Documentation = "count (the total only) or false." },
    ];
}
