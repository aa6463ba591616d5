using System.Text.Json;
using CrsMonitor.Grading.Crs;
using CrsMonitor.Grading.Icans;

namespace CrsMonitor.Service.Assessment;

/// <summary>The calculator body: <c>{ "ageYears", "crs": {...}, "icans": {...} }</c>, at least one of crs and icans.</summary>
internal sealed record EvaluateRequest(CrsInput? Crs, IcansInput? Icans)
{
    public static EvaluateRequest Read(JsonElement root, ValidationErrors errors, TimeSpan maskingPeriod)
    {
        if (JsonObjectReader.Open(root, string.Empty, errors) is not { } body)
        {
            return new EvaluateRequest(null, null);
        }

        var age = body.Integer("ageYears", 0, 130);
        var crs = body.Object("crs") is { } c ? CrsRequestReader.Read(c, age, maskingPeriod) : null;
        var icans = body.Object("icans") is { } i ? IcansRequestReader.Read(i, age) : null;
        body.RejectUnknownFields();
        if (!body.Has("crs") && !body.Has("icans"))
        {
            errors.Add(ValidationErrors.Body, "nothing to grade: give \"crs\", \"icans\" or both");
        }

        return new EvaluateRequest(crs, icans);
    }
}
