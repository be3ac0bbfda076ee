// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Security;
using System.Text.Json;
using PveTokens.Access;

namespace PveTokens.Client;

/// <summary>
/// Readers for the token answers of api.md §5.1 and the users index of §9 (the only parser of it). PVE does not coerce its output: a value read
/// from user.cfg is a JSON number, a value echoed from the request is a string ("privsep":"0",
/// "expire":"1767225600"), and a JSON body may even bring true/false, so every integer and boolean is
/// read leniently (with <see cref="PveJson"/>'s rules). Parsing is done with Utf8JsonReader straight from
/// the bytes: no reflection, no DOM.
/// </summary>
internal static class PveTokenJson
{
    /// <summary>
    /// Streams the users of a `GET /access/users?full=1` answer, one at a time, so the caller can emit a
    /// user's tokens before the next user is parsed. <paramref name="progress"/> (optional) receives the
    /// bytes consumed so far after each user.
    /// </summary>
    internal static IEnumerable<PveUserFields> ReadUsersFull(ReadOnlyMemory<byte> json, Action<long>? progress = null)
    {
        var cursor = new UserListCursor(json);
        while (cursor.TryReadNext(out PveUserFields? user))
        {
            progress?.Invoke(cursor.BytesConsumed);
            if (user!.UserId.Length > 0)
            {
                yield return user;
            }
        }
    }

    /// <summary>
    /// `GET /access/users/{userid}` (api.md §9): `{enable, expire, groups: [...], tokens: {name: {privsep,
    /// expire, comment?}} | null, …}`, the same record as an index entry in other shapes; the id is not
    /// in the answer and comes from the caller.
    /// </summary>
    internal static PveUserFields ReadUser(ReadOnlySpan<byte> json, string userId)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        if (!MoveToData(ref reader) || reader.TokenType == JsonTokenType.Null)
        {
            throw new JsonException($"PVE's answer for the user '{userId}' has no data.");
        }

        PveUserFields user = UserListCursor.ReadUser(ref reader);
        user.UserId = userId;
        return user;
    }

    /// <summary>`GET /access/users/{userid}/token`: `{"data":[{tokenid, privsep, expire, comment?}]}`.</summary>
    internal static List<PveTokenFields> ReadTokenList(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        var result = new List<PveTokenFields>();
        if (!MoveToData(ref reader) || reader.TokenType == JsonTokenType.Null)
        {
            return result;
        }

        Expect(ref reader, JsonTokenType.StartArray);
        while (Read(ref reader) && reader.TokenType != JsonTokenType.EndArray)
        {
            result.Add(ReadTokenObject(ref reader));
        }

        return result;
    }

    /// <summary>
    /// One token object in `data`: `GET …/token/{tokenid}` and the PUT answer (`{privsep, expire,
    /// comment?}`, plus `value`/`full-tokenid` with regenerate=1).
    /// </summary>
    internal static PveTokenFields ReadToken(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        if (!MoveToData(ref reader) || reader.TokenType == JsonTokenType.Null)
        {
            return new PveTokenFields();
        }

        return ReadTokenObject(ref reader);
    }

    /// <summary>
    /// The POST answer: `{"data":{"full-tokenid":…, "info":{privsep, expire?, comment?}, "value":…}}`.
    /// The result carries the settings of `info` plus `full-tokenid` and the secret.
    /// </summary>
    internal static PveTokenFields ReadCreated(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        var result = new PveTokenFields();
        if (!MoveToData(ref reader) || reader.TokenType == JsonTokenType.Null)
        {
            return result;
        }

        Expect(ref reader, JsonTokenType.StartObject);
        while (Read(ref reader) && reader.TokenType != JsonTokenType.EndObject)
        {
            string name = ReadName(ref reader);
            if (name == "info" && reader.TokenType == JsonTokenType.StartObject)
            {
                PveTokenFields info = ReadTokenObject(ref reader);
                result.Comment = info.Comment;
                result.Expire = info.Expire;
                result.PrivilegeSeparation = info.PrivilegeSeparation;
            }
            else if (name is not ("value" or "full-tokenid") || !TryReadTokenField(ref reader, name, result))
            {
                reader.Skip();
            }
        }

        return result;
    }

    /// <summary>Reads a token object; the reader is on its StartObject and ends on its EndObject.</summary>
    private static PveTokenFields ReadTokenObject(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject);
        var token = new PveTokenFields();
        while (Read(ref reader) && reader.TokenType != JsonTokenType.EndObject)
        {
            if (!TryReadTokenField(ref reader, ReadName(ref reader), token))
            {
                reader.Skip();
            }
        }

        return token;
    }

    /// <summary>Reads the value of a token member <paramref name="name"/> into <paramref name="target"/>; false for any other member.</summary>
    private static bool TryReadTokenField(ref Utf8JsonReader reader, string name, PveTokenFields target)
    {
        switch (name)
        {
            case "tokenid": target.TokenId = ReadString(ref reader); return true;
            case "comment": target.Comment = ReadText(ref reader); return true;
            case "expire": target.Expire = ReadInt64(ref reader); return true;
            case "privsep": target.PrivilegeSeparation = ReadBoolean(ref reader); return true;
            case "value": target.Secret = ReadSecureString(ref reader); return true;
            case "full-tokenid": target.FullTokenId = ReadString(ref reader); return true;
            default: return false;
        }
    }

    /// <summary>
    /// Copies a JSON string into a read-only SecureString through a char buffer that is cleared
    /// afterwards, so the secret never becomes a managed string on our side.
    /// </summary>
    private static SecureString? ReadSecureString(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"Expected a string for the token secret, got {reader.TokenType}.");
        }

        int maxLength = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        char[] buffer = new char[maxLength];
        try
        {
            int length = reader.CopyString(buffer);
            var secret = new SecureString();
            for (int i = 0; i < length; i++)
            {
                secret.AppendChar(buffer[i]);
            }

            secret.MakeReadOnly();
            return secret;
        }
        finally
        {
            Array.Clear(buffer, 0, buffer.Length);
        }
    }

    /// <summary>A string, or a number/boolean as its text; null for JSON null.</summary>
    internal static string? ReadString(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan.ToArray()),
        JsonTokenType.True => "1",
        JsonTokenType.False => "0",
        _ => throw new JsonException($"Expected a string, got {reader.TokenType}."),
    };

    /// <summary>A string as <see cref="ReadString"/> reads it, with "" as null (PVE's unset text fields).</summary>
    internal static string? ReadText(ref Utf8JsonReader reader)
    {
        string? text = ReadString(ref reader);
        return string.IsNullOrEmpty(text) ? null : text;
    }

    /// <summary>An integer (number, numeric string or boolean; see <see cref="PveJson.ReadInt64"/>); null for JSON null or "".</summary>
    internal static long? ReadInt64(ref Utf8JsonReader reader) =>
        IsAbsent(ref reader) ? null : PveJson.ReadInt64(ref reader);

    /// <summary>A PVE boolean (0/1 as number or string, or true/false; see <see cref="PveJson.ReadBoolean"/>); null for JSON null or "".</summary>
    internal static bool? ReadBoolean(ref Utf8JsonReader reader) =>
        IsAbsent(ref reader) ? null : PveJson.ReadBoolean(ref reader);

    private static bool IsAbsent(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Null || (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length == 0 && !reader.HasValueSequence);

    /// <summary>
    /// Positions the reader on the value of the envelope's `data` property. False when the envelope
    /// has none (a body of `{}`).
    /// </summary>
    private static bool MoveToData(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        Expect(ref reader, JsonTokenType.StartObject);
        while (Read(ref reader) && reader.TokenType != JsonTokenType.EndObject)
        {
            bool isData = reader.ValueTextEquals("data"u8);
            Read(ref reader);
            if (isData)
            {
                return true;
            }

            reader.Skip();
        }

        return false;
    }

    /// <summary>The reader is on a property name: returns it and moves to the property's value.</summary>
    private static string ReadName(ref Utf8JsonReader reader)
    {
        string name = reader.GetString() ?? string.Empty;
        Read(ref reader);
        return name;
    }

    private static bool Read(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new JsonException("The answer ended early.");
        }

        return true;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (reader.TokenType != type)
        {
            throw new JsonException($"Expected {type}, got {reader.TokenType}.");
        }
    }

    /// <summary>
    /// Walks the `data` array of a users listing one user per call. Utf8JsonReader is a ref struct and
    /// cannot live across a `yield`, so the cursor keeps the reader's state and offset between calls.
    /// </summary>
    private sealed class UserListCursor
    {
        private readonly ReadOnlyMemory<byte> _json;
        private JsonReaderState _state = new(new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        private long _offset;
        private bool _started;
        private bool _done;

        public UserListCursor(ReadOnlyMemory<byte> json) => _json = json;

        public long BytesConsumed => _offset;

        public bool TryReadNext(out PveUserFields? user)
        {
            user = null;
            if (_done)
            {
                return false;
            }

            var reader = new Utf8JsonReader(_json.Span.Slice(checked((int)_offset)), isFinalBlock: true, _state);
            if (!_started)
            {
                _started = true;
                if (!MoveToData(ref reader) || reader.TokenType == JsonTokenType.Null)
                {
                    _done = true;
                    return false;
                }

                Expect(ref reader, JsonTokenType.StartArray);
            }

            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                _done = true;
                return false;
            }

            user = ReadUser(ref reader);
            _offset += reader.BytesConsumed;
            _state = reader.CurrentState;
            return true;
        }

        internal static PveUserFields ReadUser(ref Utf8JsonReader reader)
        {
            Expect(ref reader, JsonTokenType.StartObject);
            var user = new PveUserFields();
            while (Read(ref reader) && reader.TokenType != JsonTokenType.EndObject)
            {
                switch (ReadName(ref reader))
                {
                    case "userid": user.UserId = ReadString(ref reader) ?? string.Empty; break;
                    case "enable": user.Enabled = ReadBoolean(ref reader) ?? true; break;
                    case "expire": user.Expire = ReadInt64(ref reader) ?? 0; break;
                    case "groups": ReadGroups(ref reader, user.Groups); break;
                    case "firstname": user.FirstName = ReadText(ref reader); break;
                    case "lastname": user.LastName = ReadText(ref reader); break;
                    case "email": user.Email = ReadText(ref reader); break;
                    case "comment": user.Comment = ReadText(ref reader); break;
                    case "realm-type": user.RealmType = ReadText(ref reader); break;
                    case "tokens" when reader.TokenType == JsonTokenType.StartArray:
                        while (Read(ref reader) && reader.TokenType != JsonTokenType.EndArray)
                        {
                            user.Tokens.Add(ReadTokenObject(ref reader));
                        }

                        break;
                    case "tokens" when reader.TokenType == JsonTokenType.StartObject:
                        // GET /access/users/{userid}: a map from token name to its settings.
                        while (Read(ref reader) && reader.TokenType != JsonTokenType.EndObject)
                        {
                            string name = ReadName(ref reader);
                            PveTokenFields token = ReadTokenObject(ref reader);
                            token.TokenId = name;
                            user.Tokens.Add(token);
                        }

                        break;
                    default: reader.Skip(); break; // also `tokens: null` of a user without tokens
                }
            }

            return user;
        }

        /// <summary>A comma string ("ops,admins") or an array of names; empty names are dropped.</summary>
        private static void ReadGroups(ref Utf8JsonReader reader, List<string> groups)
        {
            if (reader.TokenType == JsonTokenType.StartArray)
            {
                while (Read(ref reader) && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (ReadText(ref reader) is string name)
                    {
                        groups.Add(name);
                    }
                }

                return;
            }

            groups.AddRange(PveJson.SplitList(ReadString(ref reader)));
        }
    }
}
