using System.Globalization;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>
/// An Observation search as understood: the filters, the page asked for, and <see cref="Applied"/>, the parameters
/// actually applied in a fixed order (what the <c>self</c>, <c>next</c>, <c>previous</c> and <c>first</c> links repeat).
/// Unknown parameters are refused (400 naming them) or, with <c>Prefer: handling=lenient</c>, ignored and left out of
/// <see cref="Applied"/>. A malformed value of a known parameter is 400 either way.
/// </summary>
public sealed record ObservationQuery(
    string PatientId,
    IReadOnlyList<CodeToken> Codes,
    IReadOnlyList<DateFilter> Dates,
    int Count,
    PageCursor? Page,
    IReadOnlyList<KeyValuePair<string, string?>> Applied)
{
    public const int DefaultCount = 500;
    public const int MaxCount = 5000;

    /// <summary>The parameters this search reads; <c>_page</c> is the cursor of the links it answers.</summary>
    public static readonly IReadOnlyList<string> Known = ["patient", "subject", "code", "date", "_count", "_summary", "_format", PageCursor.Parameter];

    /// <summary><c>_count=0</c> or <c>_summary=count</c>: the total only, no entries.</summary>
    public bool CountOnly => Count == 0;

    public static (ObservationQuery? Query, FhirError? Error) Parse(IQueryCollection query, bool lenient)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (!lenient && query.Keys.FirstOrDefault(k => !Known.Contains(k)) is { } unknown)
        {
            return Bad(unknown, $"search parameter '{unknown}' is not supported; supported: patient, code, date, _count, _summary (send Prefer: handling=lenient to have unknown parameters ignored)");
        }

        if (Once(query, "_count", "_summary", "_format", PageCursor.Parameter) is { } repeated)
        {
            return Bad(repeated, $"{repeated} may be given once");
        }

        var patients = query["patient"].Concat(query["subject"]).ToList();
        if (patients.Count == 0 || string.IsNullOrEmpty(patients[0]))
        {
            return Bad("patient", "patient is required (Patient/[id] or [id])");
        }

        if (patients.Count > 1)
        {
            return Bad("patient", "give the patient once (patient or subject): a search reaches one patient");
        }

        var patientParam = patients[0]!;
        var patientId = patientParam.StartsWith("Patient/", StringComparison.Ordinal) ? patientParam["Patient/".Length..] : patientParam;
        if (!FhirIds.IsValid(patientId))
        {
            return Bad("patient", $"'{patientParam}' is not a patient reference");
        }

        var applied = new List<KeyValuePair<string, string?>> { new("patient", patientId) };
        var codeValues = query["code"].Where(v => !string.IsNullOrEmpty(v)).ToList();
        applied.AddRange(codeValues.Select(v => new KeyValuePair<string, string?>("code", v)));
        var codes = codeValues.SelectMany(v => v!.Split(',')).Where(v => v.Length > 0).Select(CodeToken.Parse).ToList();

        var dates = new List<DateFilter>();
        foreach (var value in query["date"])
        {
            if (!DateFilter.TryParse(value, out var filter))
            {
                return Bad("date", $"'{value}' is not a date filter: [eq|ne|gt|lt|ge|le]YYYY-MM-DD or a dateTime with offset, from {SupportedInstants.Earliest:yyyy-MM-dd} up to {SupportedInstants.End:yyyy-MM-dd}");
            }

            dates.Add(filter);
            applied.Add(new("date", value));
        }

        var count = DefaultCount;
        if (query["_count"].FirstOrDefault() is { } c
            && (!int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count > MaxCount))
        {
            return Bad("_count", $"_count must be a whole number from 0 to {MaxCount}");
        }

        switch (query["_summary"].FirstOrDefault())
        {
            case null:
                break;
            case "count":
                count = 0;
                applied.Add(new("_summary", "count"));
                break;
            case "false":
                applied.Add(new("_summary", "false"));
                break;
            case { } summary when !lenient:
                return Bad("_summary", $"_summary '{summary}' is not supported; supported: count (the total only), false (whole resources)");
        }

        if (!applied.Any(p => p.Key == "_summary" && p.Value == "count"))
        {
            applied.Add(new("_count", count.ToString(CultureInfo.InvariantCulture)));
        }

        if (query["_format"].FirstOrDefault() is { } format)
        {
            // Only JSON gets this far (FhirFormatFilter); kept so that a client that needed it to be understood keeps it on every page.
            applied.Add(new("_format", format));
        }

        PageCursor? page = null;
        if (query[PageCursor.Parameter].FirstOrDefault() is { } cursor && !PageCursor.TryParse(cursor, out page))
        {
            return Bad(PageCursor.Parameter, $"'{cursor}' is not a page of this search: follow the next, previous or first link of a search answer");
        }

        return (new ObservationQuery(patientId, codes, dates, count, page, applied), null);
    }

    public bool Matches(CodeableConcept? code) =>
        Codes.Count == 0 || (code?.Coding.Any(coding => Codes.Any(t => t.Matches(coding))) ?? false);

    public bool Matches(DateTimeOffset? at) => Dates.All(d => d.Matches(at));

    private static string? Once(IQueryCollection query, params string[] names) => names.FirstOrDefault(n => query[n].Count > 1);

    private static (ObservationQuery?, FhirError?) Bad(string parameter, string text) => (null, new FhirError(StatusCodes.Status400BadRequest,
        FhirOutcomes.Error(OperationOutcome.IssueType.Invalid, parameter, text)));
}

/// <summary>A <c>code</c> token: <c>system|code</c>, <c>|code</c> (no system) or <c>code</c> (any system).</summary>
public sealed record CodeToken(string? System, string Code)
{
    public static CodeToken Parse(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var bar = token.IndexOf('|', StringComparison.Ordinal);
        return bar < 0 ? new CodeToken(null, token) : new CodeToken(token[..bar], token[(bar + 1)..]);
    }

    public bool Matches(Coding coding)
    {
        ArgumentNullException.ThrowIfNull(coding);
        return coding.Code == Code && (System is null || (System.Length == 0 ? string.IsNullOrEmpty(coding.System) : coding.System == System));
    }
}

/// <summary>A <c>date</c> filter on the effective time: a prefix and the instant or day it compares with.</summary>
public sealed record DateFilter(string Prefix, DateTimeOffset From, DateTimeOffset To)
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
