using System.Globalization;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Storage;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>
/// <c>GET /fhir/Observation?patient=&amp;code=&amp;date=</c>: the patient's stored Observations and derived grade
/// Observations, filtered by code and effective time, oldest first. <c>patient</c> is required (unit scoping).
/// </summary>
public static class FhirSearch
{
    private static readonly HashSet<string> KnownParameters = ["patient", "subject", "code", "date", "_count"];
    private const int DefaultCount = 500;
    private const int MaxCount = 5000;

    public static async Task<IResult> SearchObservationsAsync(HttpContext context, Database database, IOptions<IdentitySettings> identity)
    {
        var query = context.Request.Query;
        var trail = context.RequestServices.GetRequiredService<AuditTrail>();
        trail.Describe("fhir.search", "Observation");
        if (query.Keys.FirstOrDefault(k => !KnownParameters.Contains(k)) is { } unknown)
        {
            return Bad(unknown, $"search parameter '{unknown}' is not supported; supported: patient, code, date, _count");
        }

        var patientParam = query["patient"].FirstOrDefault() ?? query["subject"].FirstOrDefault();
        if (string.IsNullOrEmpty(patientParam))
        {
            return Bad("patient", "patient is required (Patient/[id] or [id])");
        }

        var patientId = patientParam.StartsWith("Patient/", StringComparison.Ordinal) ? patientParam["Patient/".Length..] : patientParam;
        if (!FhirIds.IsValid(patientId))
        {
            return Bad("patient", $"'{patientParam}' is not a patient reference");
        }

        var count = DefaultCount;
        if (query["_count"].FirstOrDefault() is { } c
            && (!int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1 || count > MaxCount))
        {
            return Bad("_count", $"_count must be a whole number from 1 to {MaxCount}");
        }

        var codes = query["code"].SelectMany(v => (v ?? string.Empty).Split(',')).Where(v => v.Length > 0).Select(CodeToken.Parse).ToList();
        var dates = new List<DateFilter>();
        foreach (var value in query["date"])
        {
            if (!DateFilter.TryParse(value, out var filter))
            {
                return Bad("date", $"'{value}' is not a date filter: [eq|ne|gt|lt|ge|le]YYYY-MM-DD or a dateTime with offset, from {SupportedInstants.Earliest:yyyy-MM-dd} up to {SupportedInstants.End:yyyy-MM-dd}");
            }

            dates.Add(filter);
        }

        trail.Describe("fhir.search", "Observation", patientId: patientId);
        await using var connection = await database.OpenAsync(context.RequestAborted).ConfigureAwait(false);
        var user = CurrentUser.From(context.User, identity.Value);
        if (!await PatientAccess.AllowsAsync(connection, user, PatientDataUse.Read, patientId, context.RequestAborted).ConfigureAwait(false))
        {
            return FhirHttp.Error(FhirHttp.Forbidden($"Patient/{patientId} is not on your units"));
        }

        var matches = new List<(DateTimeOffset? At, Observation Observation)>();
        foreach (var stored in await FhirResourceStore.ListForPatientAsync(connection, "Observation", patientId, context.RequestAborted).ConfigureAwait(false))
        {
            if (FhirJson.Parse(System.Text.Encoding.UTF8.GetBytes(stored.Body), "Observation").Resource is Observation o
                && Matches(o.Code, codes) && EffectiveOf(o) is var at && dates.All(d => d.Matches(at)))
            {
                matches.Add((at, o));
            }
        }

        var timeline = await GradeStore.TimelineAsync(connection, patientId, null, null, null, context.RequestAborted).ConfigureAwait(false);
        foreach (var row in timeline)
        {
            var o = GradeObservations.From(row);
            if (Matches(o.Code, codes) && dates.All(d => d.Matches(row.EffectiveAt)))
            {
                matches.Add((row.EffectiveAt, o));
            }
        }

        var bundle = new Bundle { Type = Bundle.BundleType.Searchset, Id = Guid.NewGuid().ToString("N"), Total = matches.Count };
        bundle.Entry.AddRange(matches.OrderBy(m => m.At ?? DateTimeOffset.MinValue).ThenBy(m => m.Observation.Id, StringComparer.Ordinal).Take(count)
            .Select(m => new Bundle.EntryComponent
            {
                FullUrl = $"Observation/{m.Observation.Id}",
                Resource = m.Observation,
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match },
            }));
        return FhirHttp.Resource(bundle);
    }

    private static bool Matches(CodeableConcept? code, List<CodeToken> tokens) =>
        tokens.Count == 0 || (code?.Coding.Any(coding => tokens.Any(t => t.Matches(coding))) ?? false);

    private static DateTimeOffset? EffectiveOf(Observation o) => o.Effective switch
    {
        FhirDateTime dt when dt.TryToDateTimeOffset(out var at) => at,
        Period { StartElement: { } start } when start.TryToDateTimeOffset(out var at) => at,
        _ => null,
    };

    private static IResult Bad(string parameter, string text) => FhirHttp.Error(new FhirError(StatusCodes.Status400BadRequest,
        FhirOutcomes.Error(OperationOutcome.IssueType.Invalid, parameter, text)));

    private sealed record CodeToken(string? System, string Code)
    {
        public static CodeToken Parse(string token)
        {
            var bar = token.IndexOf('|', StringComparison.Ordinal);
            return bar < 0 ? new CodeToken(null, token) : new CodeToken(token[..bar], token[(bar + 1)..]);
        }

        public bool Matches(Coding coding) =>
            coding.Code == Code && (System is null || (System.Length == 0 ? string.IsNullOrEmpty(coding.System) : coding.System == System));
    }

    private sealed record DateFilter(string Prefix, DateTimeOffset From, DateTimeOffset To)
    {
        public static bool TryParse(string? value, out DateFilter filter)
        {
            filter = null!;
            if (string.IsNullOrEmpty(value))
            {
                return false;
            }

            var prefix = value.Length > 2 && char.IsAsciiLetterLower(value[0]) ? value[..2] : "eq";
            var text = prefix == "eq" && !value.StartsWith("eq", StringComparison.Ordinal) ? value : value[2..];
            if (prefix is not ("eq" or "ne" or "gt" or "lt" or "ge" or "le"))
            {
                return false;
            }

            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                var from = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
                if (!SupportedInstants.Contains(from))
                {
                    return false;
                }

                filter = new DateFilter(prefix, from, from.AddDays(1));
                return true;
            }

            if (text.Contains('T', StringComparison.Ordinal) && (text.EndsWith('Z') || text.LastIndexOfAny(['+', '-']) > text.IndexOf('T', StringComparison.Ordinal))
                && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
            {
                if (!SupportedInstants.Contains(instant))
                {
                    return false;
                }

                filter = new DateFilter(prefix, instant, instant.AddTicks(1));
                return true;
            }

            return false;
        }

        public bool Matches(DateTimeOffset? at) => at is { } t && Prefix switch
        {
            "eq" => t >= From && t < To,
            "ne" => t < From || t >= To,
            "gt" => t >= To,
            "lt" => t < From,
            "ge" => t >= From,
            _ => t < To,
        };
    }
}
