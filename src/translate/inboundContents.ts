// What a contact's message carries, whichever provider: its text as one message and each media item as an attachment
// message of its own, each with its own mId (the provider's id; `<id>-m<n>` for the n-th media item).
import type { InboundContent } from "../domain/events.ts"

interface Media {
  readonly url: string
  /** The media's type, when the provider says (image/jpeg, say). */
  readonly contentType?: string | null | undefined
}

const byExtension: Record<string, "image" | "video" | "audio"> = {
  jpg: "image", jpeg: "image", png: "image", gif: "image", bmp: "image", webp: "image", heic: "image",
  mp4: "video", "3gp": "video", mov: "video", mp3: "audio", amr: "audio", m4a: "audio", ogg: "audio", wav: "audio"
}

/** What kind of attachment: by its content type, else by the URL's file extension, else a file. */
const attachmentType = (media: Media): "image" | "video" | "audio" | "file" => {
  const kind = (media.contentType ?? "").split("/")[0]!.toLowerCase()
  if (kind === "image" || kind === "video" || kind === "audio") return kind
  if (media.contentType) return "file"
  const extension = URL.canParse(media.url) ? new URL(media.url).pathname.split(".").at(-1)!.toLowerCase() : ""
  return byExtension[extension] ?? "file"
}

/** The text (when there is some, or nothing else), then each media item. */
export const inboundContents = (
  id: string,
  text: string | null | undefined,
  media: ReadonlyArray<Media>
): Array<{ readonly mId: string; readonly message: InboundContent }> => [
  ...(text || media.length === 0 ? [{ mId: id, message: { type: "text", text: text ?? "" } as const }] : []),
  ...media.map((item, i) => ({
    mId: `${id}-m${i + 1}`,
    message: {
      type: "attachment",
      attachment: { type: attachmentType(item), url: item.url, ...(item.contentType ? { mimeType: item.contentType } : {}) }
    } as const
  }))
]
