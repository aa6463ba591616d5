using System.Text.Json;
using CrsMonitor.Grading;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Readings;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Ingest;

/// <summary>
/// The ingester's data, loaded once at start-up from <c>schemas/fhir/</c> (copied beside the service binary): the
/// observation code and unit table, the CrsMonitor CodeSystems, the neuro-check Questionnaire, the SNOMED CT device
/// map, the drug map and the laboratory analytes (lab-codes.json). Each file is checked on its own and against the others and against the calculator's
/// vocabulary (<see cref="Vocabulary"/>); any problem throws <see cref="StartupConfigurationException"/> naming the
/// file and the problem, which stops the service.
/// </summary>
public sealed class IngestData
{
    public const string ObservationCodesFile = "observation-codes.json";
    public const string ObservationCodeSystemFile = "CodeSystem-observation.json";
    public const string OxygenDeviceCodeSystemFile = "CodeSystem-oxygen-device.json";
    public const string NeuroCodeSystemFile = "CodeSystem-neuro.json";
    public const string MedicationCodeSystemFile = "CodeSystem-medication.json";
    public const string NeuroCheckQuestionnaireFile = "Questionnaire-neuro-check.json";
    public const string HomeCheckInQuestionnaireFile = "Questionnaire-home-check-in.json";
    public const string DeviceMapFile = "oxygen-device-snomed-map.json";
    public const string DrugMapFile = "drug-map.json";
    public const string LabCodesFile = "lab-codes.json";

    public const string ObservationSystem = "https://crsmonitor.org/fhir/CodeSystem/observation";
    public const string OxygenDeviceSystem = "https://crsmonitor.org/fhir/CodeSystem/oxygen-device";
    public const string NeuroSystem = "https://crsmonitor.org/fhir/CodeSystem/neuro";
    public const string MedicationSystem = "https://crsmonitor.org/fhir/CodeSystem/medication";
    public const string NeuroCheckQuestionnaireUrl = "https://crsmonitor.org/fhir/Questionnaire/neuro-check";

    /// <summary>The drug classes a Medication reading's qualifier may take.</summary>
    public static readonly IReadOnlyList<string> DrugClasses =
        ["vasopressor", "vasopressin", "inotrope", "antipyretic", "anti-cytokine", "corticosteroid", "protocol-drug", "fluid-bolus"];

    private static readonly string[] MinMaxExtensions =
        ["http://hl7.org/fhir/StructureDefinition/minValue", "http://hl7.org/fhir/StructureDefinition/maxValue"];

    private IngestData(ObservationTable observations, NeuroCheckDefinition neuroCheck, DeviceTable devices, DrugTable drugs, LabTable labs)
    {
        Observations = observations;
        Labs = labs;
        NeuroCheck = neuroCheck;
        Devices = devices;
        Drugs = drugs;
        DrugClassByKey = drugs.ByCode.Values.DistinctBy(d => d.Key).ToDictionary(d => d.Key, d => d.Class, StringComparer.Ordinal);
    }

    /// <summary>Where the service finds its data: <c>schemas/fhir</c> beside the service binary.</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "schemas", "fhir");

    /// <summary>The drug keys of the drug map with their class (e.g. norepinephrine → vasopressor).</summary>
    public IReadOnlyDictionary<string, string> DrugClassByKey { get; }

    internal ObservationTable Observations { get; }

    /// <summary>The laboratory analytes of lab-codes.json (Lab readings, research biomarkers).</summary>
    internal LabTable Labs { get; }

    internal NeuroCheckDefinition NeuroCheck { get; }

    internal DeviceTable Devices { get; }

    internal DrugTable Drugs { get; }

    /// <summary>Loads and checks every file in <paramref name="directory"/>.</summary>
    public static IngestData Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var observationCodes = LoadCodeSystem(directory, ObservationCodeSystemFile, ObservationSystem);
        var deviceCodes = LoadCodeSystem(directory, OxygenDeviceCodeSystemFile, OxygenDeviceSystem);
        var neuroCodes = LoadCodeSystem(directory, NeuroCodeSystemFile, NeuroSystem);
        var medicationCodes = LoadCodeSystem(directory, MedicationCodeSystemFile, MedicationSystem);

        CheckSameCodes(DataFile.Read(directory, OxygenDeviceCodeSystemFile), "concept", deviceCodes, Vocabulary.OxygenDevice.Codes, "the calculator's oxygen devices");
        var observations = LoadObservationTable(directory, observationCodes);
        var neuro = LoadNeuroCheck(directory, observationCodes, neuroCodes);
        CheckHomeCheckIn(directory);
        var devices = LoadDeviceMap(directory, deviceCodes);
        var drugs = LoadDrugMap(directory, medicationCodes);
        var labs = LabCodesLoader.Load(directory, observations);
        return new IngestData(observations, neuro, devices, drugs, labs);
    }

    private static HashSet<string> LoadCodeSystem(string directory, string name, string url)
    {
        var file = DataFile.Read(directory, name);
        var (resource, error) = FhirJson.Parse(file.Bytes, "CodeSystem");
        if (error is not null)
        {
            throw file.Problem(string.Empty, $"is not a valid FHIR R4 CodeSystem: {string.Join("; ", error.Outcome.Issue.Select(i => i.Diagnostics))}");
        }

        var codeSystem = (CodeSystem)resource!;
        if (codeSystem.Url != url)
        {
            throw file.Problem("url", $"is '{codeSystem.Url}' but must be '{url}'");
        }

        var codes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var concept in Flatten(codeSystem.Concept))
        {
            if (string.IsNullOrWhiteSpace(concept.Code) || !codes.Add(concept.Code))
            {
                throw file.Problem("concept", $"code '{concept.Code}' is empty or given twice");
            }
        }

        return codes.Count == 0 ? throw file.Problem("concept", "has no codes") : codes;
    }

    private static IEnumerable<CodeSystem.ConceptDefinitionComponent> Flatten(IEnumerable<CodeSystem.ConceptDefinitionComponent> concepts) =>
        concepts.SelectMany(c => Flatten(c.Concept).Prepend(c));

    private static void CheckSameCodes(DataFile file, string element, IReadOnlySet<string> codes, IEnumerable<string> expected, string what)
    {
        var wanted = expected.ToHashSet(StringComparer.Ordinal);
        var missing = wanted.Except(codes).ToList();
        var extra = codes.Except(wanted).ToList();
        if (missing.Count > 0 || extra.Count > 0)
        {
            throw file.Problem(element, $"must have exactly the codes of {what}: missing [{string.Join(", ", missing)}], not known there [{string.Join(", ", extra)}]");
        }
    }

    private static ObservationTable LoadObservationTable(string directory, HashSet<string> observationCodes)
    {
        var file = DataFile.Read(directory, ObservationCodesFile);
        using var document = file.Json();
        var root = document.RootElement;
        var quantities = new Dictionary<string, QuantityCode>(StringComparer.Ordinal);
        var byLoinc = new Dictionary<string, QuantityCode>(StringComparer.Ordinal);
        foreach (var (item, path) in file.Array(root, string.Empty, "quantities"))
        {
            var key = file.String(item, path, "key");
            var kindName = file.String(item, path, "kind");
            if (!Enum.TryParse<ReadingKind>(kindName, ignoreCase: false, out var kind) || !Enum.IsDefined(kind))
            {
                throw file.Problem($"{path}.kind", $"'{kindName}' is not a reading kind ({string.Join(", ", Enum.GetNames<ReadingKind>())})");
            }

            var units = file.Array(item, path, "units").Select(u => LoadUnit(file, u.Item, u.Path)).ToList();
            if (units.DistinctBy(u => u.Code).Count() != units.Count)
            {
                throw file.Problem($"{path}.units", "gives a unit twice");
            }

            var code = new QuantityCode(key, file.String(item, path, "display"), LoincCode.ReadAll(file, item, path), kind, file.String(item, path, "canonicalUnit"), units);
            if (!units.Any(u => u.Code == code.CanonicalUnit && u.IsIdentity))
            {
                throw file.Problem($"{path}.canonicalUnit", $"'{code.CanonicalUnit}' must be one of the units, without conversion");
            }

            if (!quantities.TryAdd(key, code))
            {
                throw file.Problem($"{path}.key", $"'{key}' is given twice");
            }

            foreach (var loinc in code.Codes.Where(loinc => !byLoinc.TryAdd(loinc.Code, code)))
            {
                throw file.Problem($"{path}.codes", $"LOINC {loinc.Code} belongs to two quantities");
            }
        }

        // A LOINC code has one meaning here: a quantity, the blood-pressure panel, or deliberately not graded.
        var panel = file.Property(root, string.Empty, "bloodPressurePanel", JsonValueKind.Object);
        var panelCodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var loinc in LoincCode.ReadAll(file, panel, "bloodPressurePanel").Select(l => l.Code))
        {
            if (byLoinc.ContainsKey(loinc) || !panelCodes.Add(loinc))
            {
                throw file.Problem("bloodPressurePanel.codes", $"LOINC {loinc} is given twice in the table");
            }
        }

        var notGraded = new Dictionary<string, NotGradedCode>(StringComparer.Ordinal);
        foreach (var (item, path) in file.Array(root, string.Empty, "notGraded"))
        {
            var loinc = LoincCode.Read(file, item, path);
            if (byLoinc.ContainsKey(loinc.Code) || panelCodes.Contains(loinc.Code)
                || !notGraded.TryAdd(loinc.Code, new NotGradedCode(loinc, file.String(item, path, "reason"))))
            {
                throw file.Problem($"{path}.code", $"LOINC {loinc.Code} is given twice in the table");
            }
        }

        QuantityCode Quantity(string name)
        {
            var key = file.String(panel, "bloodPressurePanel", name);
            return quantities.TryGetValue(key, out var q) ? q : throw file.Problem($"bloodPressurePanel.{name}", $"'{key}' is not a key of quantities");
        }

        var crsmonitor = file.String(root, string.Empty, "crsmonitor");
        if (crsmonitor != ObservationSystem)
        {
            throw file.Problem("crsmonitor", $"must be {ObservationSystem}");
        }

        string OurCode(JsonElement obj, string path, string name)
        {
            var code = file.String(obj, path, name);
            return observationCodes.Contains(code) ? code : throw file.Problem($"{path}.{name}", $"'{code}' is not a code of {ObservationCodeSystemFile}");
        }

        var device = file.Property(root, string.Empty, "oxygenDevice", JsonValueKind.Object);
        var neuro = file.Property(root, string.Empty, "neuroCheckPanel", JsonValueKind.Object);
        var inputs = new Dictionary<string, ClinicianInputCode>(StringComparer.Ordinal);
        foreach (var (item, path) in file.Array(root, string.Empty, "clinicianInputs"))
        {
            var code = OurCode(item, path, "code");
            var type = file.String(item, path, "type");
            var input = type switch
            {
                "boolean" => new ClinicianInputCode(code, true, file.OptionalBool(item, path, "trueOnly"), 0, 1),
                "integer" => new ClinicianInputCode(code, false, false, Whole(file, item, path, "min"), Whole(file, item, path, "max")),
                _ => throw file.Problem($"{path}.type", $"'{type}' must be boolean or integer"),
            };
            if (input.Min > input.Max)
            {
                throw file.Problem(path, "min must not be above max");
            }

            if (!inputs.TryAdd(code, input))
            {
                throw file.Problem($"{path}.code", $"'{code}' is given twice");
            }
        }

        return new ObservationTable(
            file.String(root, string.Empty, "loinc"), file.String(root, string.Empty, "ucum"), crsmonitor, byLoinc, panelCodes, notGraded,
            Quantity("systolic"), Quantity("diastolic"),
            OurCode(device, "oxygenDevice", "code"), OurCode(device, "oxygenDevice", "atBaseline"), OurCode(device, "oxygenDevice", "forComfort"),
            file.String(device, "oxygenDevice", "qualifierExtension"),
            OurCode(neuro, "neuroCheckPanel", "code"), inputs);
    }

    private static int Whole(DataFile file, JsonElement obj, string path, string name) =>
        file.Property(obj, path, name, JsonValueKind.Number).TryGetInt32(out var n) ? n : throw file.Problem($"{path}.{name}", "must be a whole number");

    /// <summary>One unit of a quantity or an analyte: code, range in that unit, and the conversion to the canonical unit.</summary>
    internal static UnitRule LoadUnit(DataFile file, JsonElement unit, string path)
    {
        var rule = new UnitRule(
            file.String(unit, path, "code"), file.Decimal(unit, path, "min"), file.Decimal(unit, path, "max"),
            file.OptionalDecimal(unit, path, "subtract") ?? 0, file.OptionalDecimal(unit, path, "multiply") ?? 1, file.OptionalDecimal(unit, path, "divide") ?? 1);
        return rule.Min >= rule.Max ? throw file.Problem(path, "min must be below max")
            : rule.Divide == 0 || rule.Multiply == 0 ? throw file.Problem(path, "multiply and divide must not be 0")
            : rule;
    }

    /// <summary>The home check-in Questionnaire (issue 17): its url and boolean items must be <see cref="HomeCheckIn"/>'s, in order.</summary>
    private static void CheckHomeCheckIn(string directory)
    {
        var file = DataFile.Read(directory, HomeCheckInQuestionnaireFile);
        var (resource, error) = FhirJson.Parse(file.Bytes, "Questionnaire");
        if (error is not null)
        {
            throw file.Problem(string.Empty, $"is not a valid FHIR R4 Questionnaire: {string.Join("; ", error.Outcome.Issue.Select(i => i.Diagnostics))}");
        }

        var questionnaire = (Questionnaire)resource!;
        if (questionnaire.Url != HomeCheckIn.Url)
        {
            throw file.Problem("url", $"must be {HomeCheckIn.Url}");
        }

        var items = questionnaire.Item.Select(i => (LinkId: i.LinkId ?? string.Empty, i.Type)).ToList();
        var expected = HomeCheckIn.Symptoms.Select(s => (s.LinkId, (Questionnaire.QuestionnaireItemType?)Questionnaire.QuestionnaireItemType.Boolean)).ToList();
        if (!items.SequenceEqual(expected))
        {
            throw file.Problem("item", $"must be the boolean items {string.Join(", ", HomeCheckIn.Symptoms.Select(s => s.LinkId))} (Ingest/HomeCheckIn.cs), in that order");
        }
    }

    private static NeuroCheckDefinition LoadNeuroCheck(string directory, HashSet<string> observationCodes, HashSet<string> neuroCodes)
    {
        var file = DataFile.Read(directory, NeuroCheckQuestionnaireFile);
        var (resource, error) = FhirJson.Parse(file.Bytes, "Questionnaire");
        if (error is not null)
        {
            throw file.Problem(string.Empty, $"is not a valid FHIR R4 Questionnaire: {string.Join("; ", error.Outcome.Issue.Select(i => i.Diagnostics))}");
        }

        var questionnaire = (Questionnaire)resource!;
        if (questionnaire.Url != NeuroCheckQuestionnaireUrl)
        {
            throw file.Problem("url", $"must be {NeuroCheckQuestionnaireUrl}");
        }

        // The answer words of each coded item are the calculator's (IcansRequestReader reads the reading's detail).
        var vocabulary = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["iceNotPossibleReason"] = Vocabulary.IceNotPossibleReason.Codes,
            ["consciousness"] = Vocabulary.Consciousness.Codes,
            ["seizure"] = Vocabulary.Seizure.Codes,
            ["motor"] = Vocabulary.Motor.Codes,
            ["icp"] = Vocabulary.Icp.Codes,
            ["excludedFindings"] = Vocabulary.ExcludedFinding.Codes,
        };
        var items = new List<NeuroItem>();
        for (var i = 0; i < questionnaire.Item.Count; i++)
        {
            var item = questionnaire.Item[i];
            var path = $"item[{i}]";
            if (item.LinkId is not { } linkId || !observationCodes.Contains(linkId))
            {
                throw file.Problem($"{path}.linkId", $"'{item.LinkId}' must be a code of {ObservationCodeSystemFile}");
            }

            if (items.Any(x => x.LinkId == linkId))
            {
                throw file.Problem($"{path}.linkId", $"'{linkId}' is given twice");
            }

            var type = item.Type switch
            {
                Questionnaire.QuestionnaireItemType.Boolean => NeuroAnswerType.Boolean,
                Questionnaire.QuestionnaireItemType.Integer => NeuroAnswerType.Integer,
                Questionnaire.QuestionnaireItemType.Choice => NeuroAnswerType.Coding,
                _ => throw file.Problem($"{path}.type", "must be boolean, integer or choice"),
            };
            var bounds = MinMaxExtensions.Select(url => item.GetExtensionValue<Integer>(url)?.Value).ToList();
            if (type == NeuroAnswerType.Integer && (bounds[0] is not { } || bounds[1] is not { } || bounds[0] > bounds[1]))
            {
                throw file.Problem(path, "an integer item needs minValue and maxValue extensions (valueInteger, min <= max)");
            }

            var codes = new List<string>();
            foreach (var option in item.AnswerOption)
            {
                if (option.Value is not Coding { Code: { } code } coding || coding.System != NeuroSystem || !neuroCodes.Contains(code))
                {
                    throw file.Problem($"{path}.answerOption", $"each answer option must be a valueCoding from {NeuroSystem} ({NeuroCodeSystemFile})");
                }

                codes.Add(code);
            }

            if (type == NeuroAnswerType.Coding)
            {
                if (!vocabulary.TryGetValue(linkId, out var words) || !words.ToHashSet(StringComparer.Ordinal).SetEquals(codes))
                {
                    throw file.Problem($"{path}.answerOption",
                        $"of '{linkId}' must be exactly the calculator's words [{string.Join(", ", words ?? [])}], not [{string.Join(", ", codes)}]");
                }
            }
            else if (codes.Count > 0 || vocabulary.ContainsKey(linkId))
            {
                throw file.Problem(path, $"'{linkId}' must be a choice item with answer options, or a boolean/integer item without");
            }

            items.Add(new NeuroItem(linkId, type, item.Repeats ?? false, bounds[0] ?? 0, bounds[1] ?? 0, codes));
        }

        var missingIce = NeuroCheckDefinition.IceItems.Where(ice => items.All(x => x.LinkId != ice)).ToList();
        return missingIce.Count > 0
            ? throw file.Problem("item", $"lacks the ICE items {string.Join(", ", missingIce)}")
            : new NeuroCheckDefinition(NeuroCheckQuestionnaireUrl, NeuroSystem, items);
    }

    private static DeviceTable LoadDeviceMap(string directory, HashSet<string> deviceCodes)
    {
        var file = DataFile.Read(directory, DeviceMapFile);
        using var document = file.Json();
        var root = document.RootElement;
        if (file.String(root, string.Empty, "targetSystem") != OxygenDeviceSystem)
        {
            throw file.Problem("targetSystem", $"must be {OxygenDeviceSystem}");
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (item, path) in file.Array(root, string.Empty, "mappings"))
        {
            var code = file.String(item, path, "code");
            var device = file.String(item, path, "device");
            file.String(item, path, "display");
            file.String(item, path, "note");
            if (!code.All(char.IsAsciiDigit))
            {
                throw file.Problem($"{path}.code", $"'{code}' is not a SNOMED CT concept id (digits)");
            }

            if (!deviceCodes.Contains(device))
            {
                throw file.Problem($"{path}.device", $"'{device}' is not a code of {OxygenDeviceCodeSystemFile}");
            }

            if (!map.TryAdd(code, device))
            {
                throw file.Problem($"{path}.code", $"'{code}' is mapped twice");
            }
        }

        return new DeviceTable(OxygenDeviceSystem, deviceCodes, file.String(root, string.Empty, "sourceSystem"), map);
    }

    private static DrugTable LoadDrugMap(string directory, HashSet<string> medicationCodes)
    {
        var file = DataFile.Read(directory, DrugMapFile);
        using var document = file.Json();
        var root = document.RootElement;
        var classes = file.Strings(root, string.Empty, "classes");
        if (!classes.ToHashSet(StringComparer.Ordinal).SetEquals(DrugClasses))
        {
            throw file.Problem("classes", $"must be exactly {string.Join(", ", DrugClasses)}");
        }

        var systemsElement = file.Property(root, string.Empty, "systems", JsonValueKind.Object);
        var systems = systemsElement.EnumerateObject().ToDictionary(
            p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : throw file.Problem($"systems.{p.Name}", "must be a string"), StringComparer.Ordinal);
        if (!systems.ContainsValue(MedicationSystem))
        {
            throw file.Problem("systems", $"must name {MedicationSystem}");
        }

        var byCode = new Dictionary<(string, string), DrugEntry>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (item, path) in file.Array(root, string.Empty, "drugs"))
        {
            var key = file.String(item, path, "key");
            var drugClass = file.String(item, path, "class");
            if (!keys.Add(key))
            {
                throw file.Problem($"{path}.key", $"'{key}' is given twice");
            }

            if (!DrugClasses.Contains(drugClass))
            {
                throw file.Problem($"{path}.class", $"'{drugClass}' is not one of {string.Join(", ", DrugClasses)}");
            }

            // Vasoactive drugs are counted by the CRS grader, which knows them by these keys.
            if (drugClass is "vasopressor" or "vasopressin" or "inotrope" && !Vocabulary.VasoactiveAgent.TryParse(key, out _))
            {
                throw file.Problem($"{path}.key", $"'{key}' is a {drugClass} the calculator does not know ({string.Join(", ", Vocabulary.VasoactiveAgent.Codes)})");
            }

            var entry = new DrugEntry(key, drugClass);
            foreach (var (code, codePath) in file.Array(item, path, "codes"))
            {
                var systemKey = file.String(code, codePath, "system");
                var value = file.String(code, codePath, "code");
                if (!systems.TryGetValue(systemKey, out var system))
                {
                    throw file.Problem($"{codePath}.system", $"'{systemKey}' is not one of systems ({string.Join(", ", systems.Keys)})");
                }

                if (system == MedicationSystem && !medicationCodes.Contains(value))
                {
                    throw file.Problem($"{codePath}.code", $"'{value}' is not a code of {MedicationCodeSystemFile}");
                }

                if (!byCode.TryAdd((system, value), entry))
                {
                    throw file.Problem($"{codePath}.code", $"{systemKey} {value} is mapped to two drugs");
                }
            }
        }

        var unmapped = medicationCodes.Where(c => !byCode.ContainsKey((MedicationSystem, c))).ToList();
        return unmapped.Count > 0
            ? throw file.Problem("drugs", $"maps no drug to the {MedicationCodeSystemFile} codes {string.Join(", ", unmapped)}")
            : new DrugTable(byCode, MedicationSystem, medicationCodes);
    }
}
