// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Buffers;
using System.Buffers.Text;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using PveTokens.Access;

namespace PveTokens.Client;

/// <summary>
/// PVE's JSON as it really is (api.md §1): integers arrive as numbers or numeric strings, booleans
/// as 0/1 (number or string) or true/false, optional keys may be null. One options instance for the
/// whole module (STJ caches type metadata per instance), and element helpers with the same tolerance
/// for code that walks a <see cref="JsonDocument"/>.
/// </summary>
internal static class PveJson
{
    internal static readonly JsonSerializerOptions Options = CreateOptions();

    private static readonly char[] ListSeparators = { ',', ';', ' ', '\t', '\r', '\n', '\0' };

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNameCaseInsensitive = false,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new LenientInt64Converter());
        options.Converters.Add(new LenientInt32Converter());
        options.Converters.Add(new LenientBooleanConverter());
        return options;
    }

    /// <summary>Reads an integer from a number, a numeric string or a JSON boolean.</summary>
    internal static long ReadInt64(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out long n))
                {
                    return n;
                }

                double d = reader.GetDouble();
                if (d == Math.Floor(d) && d >= long.MinValue && d <= long.MaxValue)
                {
                    return (long)d;
                }

                break;
            case JsonTokenType.String:
                if (TryParseInt64(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan, out long s))
                {
                    return s;
                }

                break;
            case JsonTokenType.True:
                return 1;
            case JsonTokenType.False:
                return 0;
        }

        throw new JsonException($"Expected an integer (number or numeric string) but found {Describe(ref reader)}.");
    }

    /// <summary>Reads a boolean from true/false, 0/1 or "0"/"1" (also "true"/"false").</summary>
    internal static bool ReadBoolean(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out long n))
                {
                    return n != 0;
                }

                break;
            case JsonTokenType.String:
                string? s = reader.GetString();
                if (TryParseBoolean(s, out bool b))
                {
                    return b;
                }

                break;
        }

        throw new JsonException($"Expected a boolean (0/1 or true/false) but found {Describe(ref reader)}.");
    }

    internal static long? GetInt64(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number when element.TryGetInt64(out long n) => n,
        JsonValueKind.Number when element.TryGetDouble(out double d) && d == Math.Floor(d) => (long)d,
        JsonValueKind.String when long.TryParse(element.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long s) => s,
        JsonValueKind.True => 1,
        JsonValueKind.False => 0,
        _ => null,
    };

    internal static bool? GetBoolean(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number when element.TryGetInt64(out long n) => n != 0,
        JsonValueKind.String when TryParseBoolean(element.GetString(), out bool b) => b,
        _ => null,
    };

    /// <summary>The string value, a number's text, or null for null/absent.</summary>
    internal static string? GetString(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.True => "1",
        JsonValueKind.False => "0",
        _ => null,
    };

    internal static bool TryGetProperty(JsonElement element, string name, out JsonElement value)
    {
        value = default;
        return element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out value) &&
            value.ValueKind != JsonValueKind.Null && value.ValueKind != JsonValueKind.Undefined;
    }

    /// <summary>A member's text (see <see cref="GetString(JsonElement)"/>); null when absent or null.</summary>
    internal static string? GetString(JsonElement element, string name) =>
        TryGetProperty(element, name, out JsonElement value) ? GetString(value) : null;

    /// <summary>A member as a PVE boolean; <paramref name="whenAbsent"/> when it is absent, null or not a boolean.</summary>
    internal static bool GetBoolean(JsonElement element, string name, bool whenAbsent) =>
        TryGetProperty(element, name, out JsonElement value) ? GetBoolean(value) ?? whenAbsent : whenAbsent;

    /// <summary>The elements of a `data` array; none when PVE sent null or anything but an array.</summary>
    internal static IEnumerable<JsonElement> Items(JsonElement data) =>
        data.ValueKind == JsonValueKind.Array ? data.EnumerateArray() : Enumerable.Empty<JsonElement>();

    /// <summary>
    /// A PVE list string ("a,b", "a;b", "a b": pve-common's split_list) as its non-empty items, e.g. a
    /// role's `privs` or a user's `groups`.
    /// </summary>
    internal static string[] SplitList(string? list) =>
        string.IsNullOrEmpty(list) ? Array.Empty<string>() : list!.Split(ListSeparators, StringSplitOptions.RemoveEmptyEntries);

    private static bool TryParseInt64(ReadOnlySpan<byte> utf8, out long value)
    {
        value = 0;
        int start = 0;
        if (utf8.Length > 0 && utf8[0] == (byte)'+')
        {
            start = 1;
        }

        return utf8.Length > start && Utf8Parser.TryParse(utf8.Slice(start), out value, out int consumed) &&
            consumed == utf8.Length - start;
    }

    private static bool TryParseBoolean(string? s, out bool value)
    {
        switch (s?.Trim())
        {
            case "1":
            case "true":
            case "True":
                value = true;
                return true;
            case "0":
            case "false":
            case "False":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    private static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => $"the string \"{reader.GetString()}\"",
        JsonTokenType.Number => "a non-integral number",
        _ => reader.TokenType.ToString(),
    };

    private sealed class LenientInt64Converter : JsonConverter<long>
    {
        public override long Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ReadInt64(ref reader);

        public override void Write(Utf8JsonWriter writer, long value, JsonSerializerOptions options) => writer.WriteNumberValue(value);
    }

    private sealed class LenientInt32Converter : JsonConverter<int>
    {
        public override int Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            long value = ReadInt64(ref reader);
            return value >= int.MinValue && value <= int.MaxValue
                ? (int)value
                : throw new JsonException($"The integer {value} does not fit in 32 bits.");
        }

        public override void Write(Utf8JsonWriter writer, int value, JsonSerializerOptions options) => writer.WriteNumberValue(value);
    }

    private sealed class LenientBooleanConverter : JsonConverter<bool>
    {
        public override bool Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ReadBoolean(ref reader);

        public override void Write(Utf8JsonWriter writer, bool value, JsonSerializerOptions options) => writer.WriteBooleanValue(value);
    }
}
