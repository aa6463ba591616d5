using System.Text;
using System.Text.Json;
using CrsMonitor.Grading.Icans;
using CrsMonitor.Service.Assessment;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Ingest;

/// <summary>
/// The answers of one neuro check, from QuestionnaireResponse items or Observation components, checked against the
/// neuro-check Questionnaire (type, range, answer options, repeats) and for consistency (all eight ICE items or none;
/// no items beside "ICE not possible"; "none" alone). The result is the reading's detail: a JSON object with the
/// calculator's <c>icans</c> field names, read by <see cref="IcansRequestReader"/>.
/// </summary>
internal sealed class NeuroAnswers(NeuroCheckDefinition definition, Findings f)
{
    private readonly Dictionary<string, List<object>> values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> firstPath = new(StringComparer.Ordinal);

    /// <summary>Items given, with a valid answer or not (a wrong answer is reported once, not again as "missing").</summary>
    private readonly HashSet<string> given = new(StringComparer.Ordinal);
    private readonly int errorsBefore = f.Errors.Count;

    /// <summary>One answer of <paramref name="item"/>; <paramref name="itemPath"/> names the item for "given twice".</summary>
    public void Add(NeuroItem item, DataType? value, string valuePath, string itemPath)
    {
        given.Add(item.LinkId);
        object? answer = (item.Type, value) switch
        {
            (NeuroAnswerType.Boolean, FhirBoolean { Value: { } b }) => b,
            (NeuroAnswerType.Integer, Integer { Value: { } n }) when n >= item.Min && n <= item.Max => n,
            (NeuroAnswerType.Coding, Coding c) => Code(item, [c]),
            (NeuroAnswerType.Coding, CodeableConcept cc) => Code(item, cc.Coding),
            _ => null,
        };
        if (answer is null)
        {
            var got = (item.Type, value) switch
            {
                (_, null) => "has no value",
                (NeuroAnswerType.Integer, Integer { Value: { } n }) => $"is {n.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
                (NeuroAnswerType.Coding, Coding or CodeableConcept) => $"is not a code of {definition.AnswerSystem} allowed here",
                _ => $"is a value{char.ToUpperInvariant(value.TypeName[0])}{value.TypeName[1..]}",
            };
            f.Error(valuePath, $"{got}; {item.LinkId} takes {item.Expected}", OperationOutcome.IssueType.Value);
            return;
        }

        if (!values.TryGetValue(item.LinkId, out var list))
        {
            values[item.LinkId] = list = [];
            firstPath[item.LinkId] = itemPath;
        }
        else if (!item.Repeats)
        {
            f.Error(itemPath, $"gives {item.LinkId} a second time; it takes one answer");
            return;
        }

        list.Add(answer);
    }

    /// <summary>Counts an item as given whose answers were refused before reaching <see cref="Add"/>.</summary>
    public void Given(NeuroItem item) => given.Add(item.LinkId);

    private string? Code(NeuroItem item, IEnumerable<Coding> codings) =>
        codings.Where(c => c.System == definition.AnswerSystem && c.Code is not null && item.Codes.Contains(c.Code))
            .Select(c => c.Code).Distinct().SingleOrDefault();

    /// <summary>The detail JSON, or null when any answer was wrong (errors are in the findings).</summary>
    public string? Finish(string listPath)
    {
        if (given.Count == 0 && f.Errors.Count == errorsBefore)
        {
            f.Error(listPath, "has no answered neuro-check item", OperationOutcome.IssueType.Required);
        }

        var ice = NeuroCheckDefinition.IceItems;
        var givenIce = ice.Where(given.Contains).ToList();
        if (givenIce.Count is > 0 and < 8)
        {
            f.Error(listPath, $"gives {givenIce.Count} of the eight ICE items: give all eight or none (missing: {string.Join(", ", ice.Except(givenIce))})",
                OperationOutcome.IssueType.Required);
        }

        if (firstPath.TryGetValue("iceNotPossibleReason", out var notPossible) && (givenIce.Count > 0 || given.Contains("capdScore")))
        {
            f.Error(notPossible, "says the ICE assessment was not possible, so no ICE item or CAPD score may be given with it");
        }

        if (values.TryGetValue("icp", out var icp) && icp.Count > 1 && icp.Contains("none"))
        {
            f.Error(firstPath["icp"], "cannot combine \"none\" with a finding");
        }

        if (f.Errors.Count > errorsBefore)
        {
            return null;
        }

        var detail = Detail();
        var (input, problems) = IcansRequestReader.ParseDetail(detail, null);
        var contradictions = input is null ? [] : IcansContradictions.Of(input);
        foreach (var c in contradictions)
        {
            f.Error(PathOf(c.Field, listPath), $"{c.Text}; the other answer is {PathOf(c.OtherField, listPath)}");
        }

        if (contradictions.Count > 0)
        {
            return null;
        }

        if (problems.Any)
        {
            f.Error(listPath, "is not a neuro check the ICANS calculator accepts");
            return null;
        }

        return detail;
    }

    private string PathOf(string linkId, string listPath) => firstPath.GetValueOrDefault(linkId, listPath);

    /// <summary>The answers in the Questionnaire's item order: booleans, numbers, words; repeating items as arrays.</summary>
    private string Detail()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var item in definition.Items.Where(i => values.ContainsKey(i.LinkId)))
            {
                var answers = values[item.LinkId];
                writer.WritePropertyName(item.LinkId);
                if (item.Repeats)
                {
                    writer.WriteStartArray();
                    foreach (var answer in answers.Distinct())
                    {
                        Write(writer, answer);
                    }

                    writer.WriteEndArray();
                }
                else
                {
                    Write(writer, answers[0]);
                }
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, object answer)
    {
        switch (answer)
        {
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case int n:
                writer.WriteNumberValue(n);
                break;
            default:
                writer.WriteStringValue((string)answer);
                break;
        }
    }
}
