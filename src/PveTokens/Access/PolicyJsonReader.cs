// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Text.Json;

namespace PveTokens.Access;

/// <summary>
/// Reads a JSON policy into <see cref="PolicyNode"/>s with the line of every value, so validation
/// errors can point into the file. Comments and trailing commas are tolerated (hand-edited files).
/// </summary>
internal static class PolicyJsonReader
{
    /// <summary>The root value, or null with <paramref name="error"/> saying where the JSON is malformed.</summary>
    internal static PolicyNode? Read(ReadOnlySpan<byte> json, out string? error)
    {
        var lines = new LineMap(json);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 32 });
        try
        {
            if (!reader.Read())
            {
                error = "The file is empty.";
                return null;
            }

            PolicyNode root = ReadValue(ref reader, lines);
            if (reader.Read())
            {
                error = $"Line {lines.LineOf(reader.TokenStartIndex)}: there is more after the end of the JSON value.";
                return null;
            }

            error = null;
            return root;
        }
        catch (JsonException e)
        {
            error = $"Line {(e.LineNumber ?? 0) + 1}: the file is not valid JSON ({e.Message.Split('.')[0]}).";
            return null;
        }
    }

    private static PolicyNode ReadValue(ref Utf8JsonReader reader, LineMap lines)
    {
        int line = lines.LineOf(reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                PolicyNode map = PolicyNode.Map(line);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    string name = reader.GetString()!;
                    reader.Read();
                    map.Entries.Add(new(name, ReadValue(ref reader, lines)));
                }

                return map;
            case JsonTokenType.StartArray:
                PolicyNode list = PolicyNode.List(line);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    list.Items.Add(ReadValue(ref reader, lines));
                }

                return list;
            case JsonTokenType.String:
                return PolicyNode.String(reader.GetString()!, line);
            case JsonTokenType.Number:
                return reader.TryGetInt64(out long number)
                    ? PolicyNode.Int(number, line)
                    : PolicyNode.String(System.Text.Encoding.UTF8.GetString(reader.ValueSpan.ToArray()), line);
            case JsonTokenType.True:
                return PolicyNode.Bool(true, line);
            case JsonTokenType.False:
                return PolicyNode.Bool(false, line);
            default:
                return PolicyNode.Null(line);
        }
    }

    /// <summary>Byte offsets of line starts, for turning a token's offset into a line number.</summary>
    private sealed class LineMap
    {
        private readonly System.Collections.Generic.List<long> _starts = new() { 0 };

        internal LineMap(ReadOnlySpan<byte> json)
        {
            for (int i = 0; i < json.Length; i++)
            {
                if (json[i] == (byte)'\n')
                {
                    _starts.Add(i + 1);
                }
            }
        }

        internal int LineOf(long offset)
        {
            int index = _starts.BinarySearch(offset);
            return (index >= 0 ? index : ~index - 1) + 1;
        }
    }
}
