using System.Globalization;
using System.Text.RegularExpressions;
using PveEmulator.Access;
using PveEmulator.Model;

namespace PveEmulator.Transport;

internal enum ParamType
{
    String,
    Boolean,
    Integer,
}

/// <summary>One property of a method's parameter schema (the subset of JSON schema PVE's /access methods use).</summary>
internal sealed record ParamDef(
    string Name,
    ParamType Type = ParamType.String,
    bool Optional = true,
    string? Format = null,
    string? Pattern = null,
    int? MinLength = null,
    int? MaxLength = null,
    long? Minimum = null,
    string? Requires = null)
{
    public static ParamDef Str(string name, bool optional = true, string? format = null, int? maxLength = null, int? minLength = null, string? pattern = null) =>
        new(name, ParamType.String, optional, format, pattern, minLength, maxLength);

    public static ParamDef Bool(string name, string? requires = null) => new(name, ParamType.Boolean, Requires: requires);

    public static ParamDef Int(string name, long? minimum = null) => new(name, ParamType.Integer, Minimum: minimum);

    public static ParamDef UserId(bool optional = false) => Str("userid", optional, "pve-userid", maxLength: 64);
}

/// <summary>JSONSchema.pm `validate` for flat parameter objects: collects every error into one 400.</summary>
internal static class ParamValidator
{
    /// <summary>Validates <paramref name="raw"/> (name → one or more values) and returns the untainted string map.</summary>
    public static Dictionary<string, string> Validate(IReadOnlyList<ParamDef> schema, IReadOnlyDictionary<string, List<string>> raw, PveVersion version)
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var byName = schema.ToDictionary(p => p.Name, StringComparer.Ordinal);

        foreach (ParamDef def in schema)
        {
            if (!raw.TryGetValue(def.Name, out List<string>? values))
            {
                if (!def.Optional)
                {
                    errors[def.Name] = "property is missing and it is not optional";
                }
                continue;
            }
            string? value = values.Count == 1 ? values[0]
                : def.Format?.EndsWith("-list", StringComparison.Ordinal) == true ? string.Join(',', values) : null;
            if (value is null)
            {
                errors[def.Name] = $"type check ('{TypeName(def.Type)}') failed - got ARRAY";
                continue;
            }
            if (def.Requires is not null && !raw.ContainsKey(def.Requires))
            {
                errors[def.Requires] = $"missing property required by '{def.Name}'";
            }
            string? error = CheckValue(def, value, version);
            if (error is not null)
            {
                errors[def.Name] = error;
                continue;
            }
            result[def.Name] = value;
        }
        foreach (string name in raw.Keys)
        {
            if (!byName.ContainsKey(name))
            {
                errors[name] = "property is not defined in schema and the schema does not allow additional properties";
            }
        }
        if (errors.Count > 0)
        {
            throw ApiException.Param(errors);
        }
        return result;
    }

    private static string TypeName(ParamType type) => type switch
    {
        ParamType.Boolean => "boolean",
        ParamType.Integer => "integer",
        _ => "string",
    };

    private static string? CheckValue(ParamDef def, string value, PveVersion version)
    {
        switch (def.Type)
        {
            case ParamType.Boolean:
                // check_type accepts '1', '0' and the empty string (false).
                return value is "1" or "0" or "" ? null : $"type check ('boolean') failed - got '{value}'";
            case ParamType.Integer:
                if (!Regex.IsMatch(value, @"^[+-]?\d+$"))
                {
                    return $"type check ('integer') failed - got '{value}'";
                }
                if (def.Minimum is long min && decimal.Parse(value, CultureInfo.InvariantCulture) < min)
                {
                    return $"value must have a minimum value of {min}";
                }
                return null;
        }
        if (def.Format is not null && CheckFormat(def.Format, value, version) is string formatError)
        {
            return "invalid format - " + formatError;
        }
        if (def.Pattern is not null && !Regex.IsMatch(value, "^(?:" + def.Pattern + ")$"))
        {
            return "value does not match the regex pattern";
        }
        if (def.MaxLength is int max && value.Length > max)
        {
            return $"value may only be {max} characters long";
        }
        if (def.MinLength is int minLength && value.Length < minLength)
        {
            return $"value must be at least {minLength} characters long";
        }
        return null;
    }

    /// <summary>The format validators of JSONSchema.pm/AccessControl.pm; errors end in a newline like Perl dies.</summary>
    private static string? CheckFormat(string format, string value, PveVersion version)
    {
        if (format.EndsWith("-list", StringComparison.Ordinal))
        {
            string item = format[..^5];
            foreach (string v in Identifiers.SplitList(value))
            {
                if (CheckFormat(item, v, version) is string error)
                {
                    return error;
                }
            }
            return null;
        }
        return format switch
        {
            "pve-userid" => Identifiers.CheckUserId(value),
            "pve-tokenid" => Identifiers.SplitTokenId(value) is null ? $"value '{value}' does not look like a valid token ID\n" : null,
            "pve-groupid" => Identifiers.IsGroupId(value) ? null : $"group name '{value}' contains invalid characters\n",
            "pve-roleid" => Identifiers.IsRoleId(value) ? null : $"role name '{value}' contains invalid characters\n",
            "pve-realm" => Identifiers.IsRealm(value) ? null : "value does not look like a valid realm\n",
            "pve-priv" => Privileges.Valid(version).Contains(value) ? null : $"invalid privilege '{value}'\n",
            "pve-configid" => Identifiers.IsConfigId(value) ? null : $"invalid configuration ID '{value}'\n",
            "email-opt" => value.Length == 0 || Regex.IsMatch(value, @"^[\w\+\-\~]+(\.[\w\+\-\~]+)*@[a-zA-Z0-9\-]+(\.[a-zA-Z0-9\-]+)*$")
                ? null : "value does not look like a valid email address\n",
            _ => throw new InvalidOperationException($"unknown format '{format}'"),
        };
    }
}
