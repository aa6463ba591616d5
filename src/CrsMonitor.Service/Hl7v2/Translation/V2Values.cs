using System.Globalization;
using CrsMonitor.Service.Hl7v2.Er7;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Hl7v2.Translation;

/// <summary>
/// An observation's value (OBX-5, typed by OBX-2, with OBX-6 units) as the FHIR value an Observation or a component
/// carries: NM a Quantity in UCUM (or an integer for the service's own codes: neuro-check items, clinician inputs),
/// SN the same with its comparator (which the rules then refuse, as for FHIR), CE/CWE a CodeableConcept, or a boolean
/// for Y/N of HL7 table 0136, ST/TX/FT a string, DTM/TS a dateTime. Anything else is refused naming OBX-2 or OBX-5.
/// </summary>
internal sealed class V2Values(V2Codes codes, Hl7v2Data data, V2Time time)
{
    private const string UcumSystem = "http://unitsofmeasure.org";
    private const string YesNoTable = "HL70136";

    /// <summary>OBX-5 as a FHIR value; <paramref name="integer"/>: the observation is coded in the service's own CodeSystem, whose numbers are integers.</summary>
    public DataType? Read(Er7Segment obx, bool integer, V2Findings findings)
    {
        ArgumentNullException.ThrowIfNull(obx);
        ArgumentNullException.ThrowIfNull(findings);
        var value = obx[5];
        if (!value.IsPresent)
        {
            return null;
        }

        if (value.Repetitions.Count > 1)
        {
            findings.Error(obx.At(5), $"has {value.Repetitions.Count} repetitions: send one value per OBX");
            return null;
        }

        var type = obx[2].Value;
        var first = value.First;
        switch (type)
        {
            case "NM":
                return Number(first.Value, obx, integer, comparator: null, findings);
            case "SN":
                if (first[3].Value.Length > 0 || first[4].Value.Length > 0)
                {
                    findings.Error(obx.At(5), $"'{first[2].Value}{first[3].Value}{first[4].Value}' is a range or ratio, not one measurement");
                    return null;
                }

                return Number(first[2].Value, obx, integer, first[1].Value, findings);
            case "CE" or "CWE" or "CNE" when first[3].Value.Equals(YesNoTable, StringComparison.OrdinalIgnoreCase):
                return YesNo(first.Value, obx, findings);
            case "CE" or "CWE" or "CNE":
                return codes.Concept(first);
            case "ID" or "IS":
                return YesNo(first.Value, obx, findings);
            case "ST" or "TX" or "FT":
                return new FhirString(first.Value);
            case "DTM" or "TS" or "DT":
                return time.DateTime(first.Value, obx.At(5), findings) is { } at ? new FhirDateTime(at) : null;
            case "":
                findings.Required(obx.At(2), "is empty: OBX-2 must say the type of the value in OBX-5");
                return null;
            default:
                findings.Error(obx.At(2), $"value type '{type}' is not read here (NM, SN, CE, CWE, CNE, ID, IS, ST, TX, FT, DTM, TS, DT)", V2ErrorCode.TableValueNotFound);
                return null;
        }
    }

    private DataType? Number(string text, Er7Segment obx, bool integer, string? comparator, V2Findings findings)
    {
        if (!TryNumber(text, out var number))
        {
            findings.Error(obx.At(5), $"'{text}' is not a number (NM: digits with an optional sign and decimal point)");
            return null;
        }

        if (integer && comparator is null or "" or "=")
        {
            if (number != decimal.Truncate(number) || number is < int.MinValue or > int.MaxValue)
            {
                findings.Error(obx.At(5), $"'{text}' is not a whole number, which this code takes");
                return null;
            }

            return new Integer((int)number);
        }

        var quantity = new Quantity { Value = number };
        switch (comparator)
        {
            case null or "" or "=":
                break;
            case "<" or "<=" or ">" or ">=":
                quantity.Comparator = comparator switch
                {
                    "<" => Quantity.QuantityComparator.LessThan,
                    "<=" => Quantity.QuantityComparator.LessOrEqual,
                    ">" => Quantity.QuantityComparator.GreaterThan,
                    _ => Quantity.QuantityComparator.GreaterOrEqual,
                };
                break;
            default:
                findings.Error(obx.At(5, 1), $"'{comparator}' is not an SN comparator (<, <=, >, >=, =)");
                return null;
        }

        Unit(obx, quantity, findings);
        return quantity;
    }

    /// <summary>OBX-6 as the quantity's UCUM unit; a unit that cannot be read is refused at its component.</summary>
    private void Unit(Er7Segment obx, Quantity quantity, V2Findings findings)
    {
        var unit = obx[6].First;
        if (unit[1].Value.Length == 0)
        {
            return; // no unit: the rules say which the code takes
        }

        var (ucum, component, problem) = Ucum(unit);
        if (problem is not null)
        {
            findings.Error(obx.At(6, component), problem, V2ErrorCode.TableValueNotFound);
            return;
        }

        quantity.Unit = unit[2].Value.Length > 0 ? unit[2].Value : ucum;
        quantity.System = UcumSystem;
        quantity.Code = ucum;
    }

    /// <summary>
    /// A coded unit (OBX-6, RXA-7: code^text^system) as UCUM: a UCUM code as sent; an ISO+, ANS+ or MDC code through
    /// units.json; no system: ISO+ or ANS+ when listed, else taken as UCUM. Otherwise null, with the component at fault
    /// and why (a value's unit is then refused; a dose's, which only describes it, is kept as sent with a warning).
    /// </summary>
    public (string? Ucum, int Component, string? Problem) Ucum(Er7Repetition unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        var (code, system) = (unit[1].Value, unit[3].Value.Trim().ToUpperInvariant());
        return system switch
        {
            "UCUM" => (code, 0, null),
            "" => (data.UcumByUnit.GetValueOrDefault(("ISO+", code)) ?? data.UcumByUnit.GetValueOrDefault(("ANS+", code)) ?? code, 0, null),
            "ISO+" or "ANS+" or "MDC" => data.UcumByUnit.GetValueOrDefault((system, code)) is { } ucum
                ? (ucum, 0, null)
                : (null, 1, $"'{code}' is not a unit of {system} this service knows (schemas/hl7v2/units.json)"),
            _ => (null, 3, $"unit coding system '{unit[3].Value}' is not read here: send UCUM, ISO+, ANS+ or MDC"),
        };
    }

    /// <summary>An HL7 NM: digits with an optional sign and decimal point.</summary>
    public static bool TryNumber(string text, out decimal number) =>
        decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out number);

    private static FhirBoolean? YesNo(string text, Er7Segment obx, V2Findings findings)
    {
        switch (text)
        {
            case "Y":
                return new FhirBoolean(true);
            case "N":
                return new FhirBoolean(false);
            default:
                findings.Error(obx.At(5), $"'{text}' is not Y or N (HL7 table 0136), the answers this service reads for a coded yes/no", V2ErrorCode.TableValueNotFound);
                return null;
        }
    }
}
