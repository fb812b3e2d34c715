# %% [markdown]
# # 02 · Convolução à mão
#
# Uma rede convolucional faz, milhões de vezes, uma conta simples: pega uma janelinha da
# imagem, multiplica cada pixel por um peso e soma tudo. Nesta aula você faz essa conta à mão,
# com NumPy, antes de deixá-la para o TensorFlow.
#
# Você vai aprender a:
#
# - ler a equação da convolução (com índices a partir de 0) e calcular uma saída à mão;
# - fazer a mesma conta numa sequência 1-D com `keras.layers.Conv1D`;
# - escrever a sua própria `conv2d` com laços e conferi-la com `tf.nn.conv2d`;
# - usar filtros para achar um círculo num dígito e as bordas numa foto;
# - ver a saída de um neurônio convolucional como um produto escalar $w \cdot x + b$;
# - prever o tamanho da saída com passo (*stride*) e preenchimento (*padding*), e mexer
#   nos dois numa convolução interativa;
# - aplicar ReLU e *pooling* (máximo e média) a um mapa de características;
# - medir por que as bibliotecas não usam laços em Python.
#
# Os termos seguem o glossário do curso, que dá também o nome em inglês de cada um:
# [glossário do curso](https://github.com/cnn-curso-ptbr/curso-cnn/blob/main/docs/glossario.md).
#
# ### De onde vem a ideia
#
# Em 1959, David Hubel e Torsten Wiesel registraram a atividade de neurônios do córtex visual
# de gatos enquanto mostravam a eles barras de luz numa tela. Cada neurônio só respondia a
# estímulos numa **pequena região** do campo de visão (o seu campo receptivo) e, dentro
# dela, a barras com uma **orientação** preferida: um disparava com barras verticais, outro
# com barras inclinadas. Outras células respondiam à mesma orientação em qualquer ponto de
# uma região maior. O trabalho rendeu o Nobel de Medicina de 1981 e inspirou o Neocognitron
# de Kunihiko Fukushima (1980), com camadas de células S, que detectam padrões locais, e
# células C, que toleram pequenos deslocamentos deles: os antepassados da convolução e do
# *pooling*. As redes convolucionais de Yann LeCun (1989) trouxeram neurônios que olham só
# uma janela da imagem, todos com o mesmo filtro (detectores de bordas orientadas, como os
# que você vai montar abaixo), treinados a partir dos dados; ali a imagem encolhia com
# convoluções de passo 2. Camadas separadas que resumem cada janela pela média (na época,
# *subsampling*), a origem do *pooling* desta aula, aparecem nos trabalhos seguintes de LeCun
# e colegas (1990) e na LeNet-5 (1998).

# %%
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from course_utils import config, conv, fmt
from course_utils.checks import ____
from course_utils.exercises.lesson02 import (
    EX4_CONFIGS, EX5_MATRIX, HORIZONTAL_EDGE, VERTICAL_EDGE, ex1, ex2, ex3, ex4, ex5,
)
from course_utils.diagrams import draw_rgb_filter
from course_utils.lecture_data import CIRCLE_FILTER, CIRCLE_MAP_AS_PRINTED, NINE, PIXELS_5X5
from course_utils.images import load_sample_image
from course_utils.interactive import explore_convolution, show_stride_padding
from course_utils.plots import show_images, show_matrix

print(config.fast_mode_line())

# %% [markdown]
# ## A equação da convolução
#
# Um filtro (*kernel*, no Keras) $w$ de tamanho $F \times F$ desliza sobre a imagem $A$. Em
# cada posição, cada peso é multiplicado pelo pixel que está embaixo dele e os produtos são
# somados. Esse número é um elemento do **mapa de características** (*feature map*):
#
# $$(A * w)_{ij} = \sum_{i'=0}^{F-1} \sum_{j'=0}^{F-1} A(i+i',\, j+j')\, w(i', j')$$
#
# **Por que os índices começam em 0?** Porque assim $(i, j)$ é exatamente o canto superior
# esquerdo da janela: a saída $(0, 0)$ começa no pixel $(0, 0)$ e nenhum "$-1$" aparece na
# fórmula. É também a convenção do NumPy: a janela inteira é `A[i:i+F, j:j+F]`, e a equação
# vira código sem tradução.
#
# **Convolução ou correlação?** Na matemática, convolução gira o filtro 180° antes de
# deslizá-lo; sem o giro, a operação se chama correlação cruzada (*cross-correlation*). As
# bibliotecas de deep learning chamam de "convolução" a versão **sem giro**, a da equação
# acima. Como os pesos são aprendidos, tanto faz: a rede simplesmente aprende o filtro já
# girado. Neste curso, convolução é sempre a da equação.

# %% [markdown]
# ### O caso mais simples: uma dimensão
#
# Com um sinal 1-D e o filtro $w = [1, -1]$, a primeira saída é
# $x_0 w_0 + x_1 w_1$, o exemplo do relatório de Jefferson Korte Junior (Bootcamp LAMIA):

# %%
x = np.array([1, 2, 4, 7, 5])
w1d = np.array([1, -1])
print("primeira saída:", x[0] * w1d[0] + x[1] * w1d[1])
print("np.correlate (sem giro):", np.correlate(x, w1d, mode="valid"))
print("np.convolve  (com giro):", np.convolve(x, w1d, mode="valid"))

# %% [markdown]
# `np.correlate` faz a conta da equação: cada saída é um valor menos o seguinte, um pequeno
# detector de variação. `np.convolve` é a convolução da matemática: gira o filtro para
# $[-1, 1]$ e por isso todos os sinais se invertem. É exatamente essa a diferença entre as
# duas operações.
#
# Numa rede, a convolução 1-D é a camada `keras.layers.Conv1D`, usada em sequências (sinais
# de sensores, áudio, séries temporais). Ela espera um lote de sequências com canais,
# formato `(lote, passos, canais)`, e guarda o filtro com formato
# `(tamanho, canais de entrada, filtros)`. Colocando nela o filtro $[1, -1]$ e viés 0, ela
# repete o `np.correlate`:

# %%
conv1d = keras.layers.Conv1D(filters=1, kernel_size=2, use_bias=False)
sequence = x[None, :, None].astype("float32")  # (1 sequência, 5 passos, 1 canal)
conv1d.build(sequence.shape)
conv1d.set_weights([w1d[:, None, None].astype("float32")])  # (2, 1, 1)
print("formato da entrada:", sequence.shape, "-> saída:", tuple(conv1d(sequence).shape))
print("Conv1D:       ", keras.ops.convert_to_numpy(conv1d(sequence))[0, :, 0])
print("np.correlate: ", np.correlate(x, w1d, mode="valid"))

# %% [markdown]
# Numa rede de verdade, o filtro não é escolhido à mão: a camada começa com pesos aleatórios
# e o treino os ajusta. A conta, porém, é sempre essa.

# %% [markdown]
# ## Um exemplo 5×5, passo a passo
#
# A imagem em tons de cinza da aula 01 (0 é preto, 255 é branco) e um filtro de bordas
# verticais: pesos $+1$ na coluna da esquerda e $-1$ na da direita. Ele dá um valor grande
# onde a esquerda é mais clara que a direita.

# %%
A = PIXELS_5X5.astype(np.int64)
w = VERTICAL_EDGE
print(w)
show_matrix(A, title="Imagem A");

# %% [markdown]
# Guardamos `A` com inteiros comuns (`int64`) de propósito. Imagens costumam chegar como
# `uint8` (0 a 255), e nesse tipo uma subtração negativa "dá a volta":

# %%
print("0 - 255 em uint8:", np.array([0], dtype=np.uint8) - np.array([255], dtype=np.uint8))
print("0 - 255 em int64:", np.array([0]) - np.array([255]))

# %% [markdown]
# Agora o elemento $(0, 1)$ do mapa: a janela 3×3 cujo canto superior esquerdo é o pixel
# $(0, 1)$, o produto elemento a elemento com $w$, e a soma.

# %%
i, j = 0, 1
F = w.shape[0]
patch = A[i:i + F, j:j + F]
print("janela A[0:3, 1:4]:\n", patch)
print("janela * w:\n", patch * w)
print("soma:", np.sum(patch * w))

# %% [markdown]
# **Não é multiplicação de matrizes.** A aula da FIAP descreve o filtro como uma
# "multiplicação de matrizes"; a conta é outra. Multiplicar matrizes (`@` no NumPy) combina
# linhas de uma com colunas da outra e dá uma nova matriz; a convolução multiplica cada
# pixel pelo peso que está **em cima dele** (`*`, elemento a elemento) e soma os produtos.
# Os números mostram a diferença:

# %%
print("janela @ w (multiplicação de matrizes):\n", patch @ w)
print("soma de janela @ w:", np.sum(patch @ w), "| soma de janela * w:", np.sum(patch * w))

# %% [markdown]
# Repetindo isso em todas as posições em que a janela cabe, você tem o mapa inteiro.
# `conv.conv2d` do `course_utils` faz exatamente essa conta:

# %%
feature_map = conv.conv2d(A, w)
print("formato do mapa:", feature_map.shape)
show_matrix(feature_map, title="Mapa de características A * w");

# %% [markdown]
# O elemento $(0, 1)$ é a soma que você acabou de calcular. Os maiores valores ficam
# embaixo à direita, onde uma coluna clara encosta numa coluna escura: uma borda vertical.
#
# ### Exercício 1 · Um elemento à mão
#
# Agora com o filtro de bordas **horizontais** `w_h` (o de cima, transposto: ele responde
# onde a parte de cima da janela é mais clara que a de baixo). O mapa dele não foi mostrado.
# Calcule o elemento $(1, 2)$ do mapa de `A` com `w_h` usando só fatiamento, `*` e `np.sum`
# (nada de `conv.conv2d`).

# %%
w_h = HORIZONTAL_EDGE
print(w_h)
# BEGIN SOLUTION ex1
entry = np.sum(A[1:4, 2:5] * w_h)
# END SOLUTION
ex1.check(entry)

# %%
# ex1.hint()
# ex1.solution()

# %% [markdown]
# ## A mesma conta no TensorFlow
#
# `tf.nn.conv2d` trabalha com lotes e canais: a imagem tem formato
# `(lote, altura, largura, canais)` e os filtros `(F, F, canais de entrada, filtros)`.
# Com `None` acrescentamos os eixos que faltam; o resultado é o mesmo mapa.

# %%
tf_map = tf.nn.conv2d(
    A[None, :, :, None].astype("float32"),  # (1, 5, 5, 1)
    w[:, :, None, None].astype("float32"),  # (3, 3, 1, 1)
    strides=1,
    padding="VALID",
)
print("formato:", tf_map.shape)
print("igual ao conv.conv2d?", np.allclose(tf_map[0, :, :, 0], feature_map))

# %% [markdown]
# ### Exercício 2 · A sua `conv2d`
#
# Complete a função: uma imagem `(H, W)`, um filtro `(F, F)`, passo 1, sem preenchimento.
# A janela cabe em $H - F + 1$ posições na vertical e $W - F + 1$ na horizontal, e esse é o
# formato da saída. O `check` chama a sua função com imagens aleatórias de vários formatos e
# compara com `conv.conv2d` e com `tf.nn.conv2d`.


# %%
def conv2d_by_hand(image, kernel):
    """Convolução 'valid' de uma imagem (H, W) com um filtro (F, F), passo 1."""
    # 1. formato da saída; 2. dois laços (i, j); 3. janela * filtro, somada
    # BEGIN SOLUTION ex2
    H, W = image.shape
    F = kernel.shape[0]
    out = np.zeros((H - F + 1, W - F + 1))
    for i in range(H - F + 1):
        for j in range(W - F + 1):
            out[i, j] = np.sum(image[i:i + F, j:j + F] * kernel)
    return out
    # END SOLUTION


ex2.check(conv2d_by_hand)

# %%
# ex2.hint()
# ex2.solution()

# %% [markdown]
# ## Um detector de círculos
#
# A aula opcional *Camadas convolucionais e Dropout* (veja as Fontes) desenha um "9" com
# $+1$ (tinta) e $-1$ (fundo) e procura o círculo dele com um filtro que é um anel de $+1$
# com $-1$ no meio.

# %%
nine = NINE
circle = CIRCLE_FILTER
print(circle)
show_matrix(nine, title="O dígito 9 (±1)");

# %% [markdown]
# Cada produto vale $+1$ quando o pixel concorda com o peso e $-1$ quando discorda. A soma
# máxima é o número de pesos do filtro; dividindo por ele, o mapa fica entre $-1$ e $1$ e
# $1$ quer dizer "encaixe perfeito".

# %%
n_weights = circle.size
circle_map = conv.conv2d(nine, circle) / n_weights
print("número de pesos:", n_weights)
show_matrix(circle_map, title="Mapa do detector de círculos (÷ 9)", fmt="{:.2f}");

# %%
best = np.unravel_index(np.argmax(circle_map), circle_map.shape)
window = nine[best[0]:best[0] + 3, best[1]:best[1] + 3]
print("maior valor:", circle_map[best], "na posição", tuple(int(k) for k in best))
print("a janela da imagem ali é igual ao filtro?", np.array_equal(window, circle))

# %% [markdown]
# O círculo está na janela que começa na linha 0, coluna 1: a "cabeça" do 9, as linhas 0 a 2
# e colunas 1 a 3 da imagem, idêntica ao filtro. Em nenhuma outra posição o encaixe chega
# perto disso.
#
# **Conferindo a aula.** O slide imprime o mapa abaixo. Vamos compará-lo com o nosso,
# arredondado a duas casas:

# %%
lecture_map = CIRCLE_MAP_AS_PRINTED
tf_circle_map = tf.nn.conv2d(nine[None, :, :, None].astype("float32"),
                             circle[:, :, None, None].astype("float32"),
                             strides=1, padding="VALID")[0, :, :, 0] / n_weights
print("nosso mapa = TensorFlow?", np.allclose(circle_map, tf_circle_map))

gap = np.abs(np.round(circle_map, 2) - lecture_map)
for r, c in np.argwhere(gap > 1e-9):
    kind = "arredondamento" if gap[r, c] < 0.011 else "DIFERENTE"
    print(f"({r}, {c}): nosso {fmt.num(circle_map[r, c], 4)}, "
          f"aula {fmt.num(lecture_map[r, c], 2)}  {kind}")
print("linhas com elementos diferentes:", sorted({int(r) for r in np.argwhere(gap > 0.011)[:, 0]}))

# %% [markdown]
# Nas primeiras linhas o slide bate com o nosso mapa (a única diferença ali é de
# arredondamento: a aula cortou as casas decimais em vez de arredondar). Nas linhas
# marcadas como DIFERENTE, não bate: o nosso mapa é o que sai desta imagem com este filtro,
# e o TensorFlow concorda com ele; o slide deve ter sido feito com um desenho um pouco
# diferente da parte de baixo do 9. A conclusão da aula continua valendo: o máximo aponta o
# círculo.

# %% [markdown]
# ## Bordas numa foto de verdade
#
# Os mesmos filtros funcionam numa foto. Os filtros de Sobel são a versão clássica do
# detector de bordas: diferenças entre colunas (bordas verticais) ou entre linhas (bordas
# horizontais), com peso maior no centro. Antes de tudo, convertemos a foto de `uint8` para
# `float32` entre 0 e 1, pelo problema da subtração que você viu acima.

# %%
photo = load_sample_image(gray=True).astype("float32") / 255
sobel_x = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype="float32")
sobel_y = sobel_x.T  # diferenças entre linhas: bordas horizontais
print("foto:", photo.shape, photo.dtype)
print(sobel_x)

# %% [markdown]
# Mostramos o valor absoluto: uma borda do claro para o escuro e uma do escuro para o claro
# são igualmente bordas. Só para a figura, cortamos os valores em 1 (as bordas mais fortes
# ficam brancas) para que as fracas também apareçam. Os mapas perdem uma linha e uma coluna
# de cada lado, então recortamos a foto do mesmo jeito para exibi-las lado a lado.

# %%
edges_x = conv.conv2d(photo, sobel_x)
edges_y = conv.conv2d(photo, sobel_y)
print("foto:", photo.shape, "-> mapas:", edges_x.shape)
show_images(
    [photo[1:-1, 1:-1], np.minimum(np.abs(edges_x), 1), np.minimum(np.abs(edges_y), 1)],
    titles=["Grace Hopper", "|Sobel x|: bordas verticais", "|Sobel y|: bordas horizontais"],
    ncols=3,
    figsize=(11, 4.5),
);

# %% [markdown]
# No mapa das bordas verticais aparecem o mastro da bandeira, as laterais do rosto e as
# lapelas; no das horizontais, os óculos, a boca, a aba do quepe e as faixas das
# condecorações. Cada filtro responde a bordas de **uma** orientação, como os neurônios de
# Hubel e Wiesel. Uma rede convolucional **aprende** filtros como esses na primeira camada,
# em vez de recebê-los prontos.
#
# ## ReLU: ficar só com o que foi detectado
#
# Depois da convolução vem uma função de ativação, quase sempre a ReLU,
# $\mathrm{ReLU}(z) = \max(0, z)$: valores negativos ("aqui não tem o padrão") viram 0 e os
# positivos passam intactos.

# %%
circle_relu = conv.relu(circle_map)
show_matrix(circle_relu, title="ReLU do mapa de círculos", fmt="{:.2f}");

# %% [markdown]
# Na foto, a ReLU do Sobel $x$ (sem o valor absoluto) guarda só um sentido da borda:
# onde a esquerda é mais clara que a direita.

# %%
show_images(
    [np.clip(edges_x, -1, 1), np.minimum(conv.relu(edges_x), 1)],  # cortados em ±1
    titles=["Sobel x (com sinal)", "ReLU(Sobel x)"],
    ncols=2,
    figsize=(8, 4.5),
);

# %% [markdown]
# ## Imagens coloridas: um neurônio vê 75 números
#
# Cada elemento do mapa é a saída de um **neurônio convolucional**: o neurônio artificial da
# aula 01 (soma ponderada mais viés), só que olhando uma janela da imagem em vez da imagem
# inteira, e com os mesmos pesos em todas as posições.
#
# Numa imagem colorida cada pixel tem 3 canais, e o filtro também: um filtro $5 \times 5$
# sobre uma imagem RGB tem formato $5 \times 5 \times 3$. A equação ganha uma soma sobre os
# canais $c$:
#
# $$(A * w)_{ij} = \sum_{c=0}^{C-1} \sum_{i'=0}^{F-1} \sum_{j'=0}^{F-1}
#   A(i+i',\, j+j',\, c)\, w(i', j', c) + b$$
#
# Cada elemento do mapa é então **um número**: o produto escalar entre o filtro e um pedaço
# $5 \times 5 \times 3$ da imagem, os dois achatados em vetores, mais um viés (*bias*) $b$:
# $w \cdot x + b$ (slides da FIAP). Em figura:

# %%
draw_rgb_filter(size=32, f=5, channels=3);

# %% [markdown]
# O filtro tem a mesma profundidade da imagem (3), então cada posição dele cobre
# $5 \cdot 5 \cdot 3 = 75$ números e dá **um** número do mapa. Vamos conferir com um
# recorte de 32×32 da foto colorida.

# %%
rng = np.random.default_rng(0)
image_rgb = load_sample_image()[100:132, 230:262].astype("float32") / 255  # 32×32×3
w_rgb = rng.standard_normal((5, 5, 3)).astype("float32")
b = 0.5

x_patch = image_rgb[:5, :5, :]  # o pedaço que gera a saída (0, 0)
print("números no pedaço:", x_patch.size)
print("soma dos produtos + b:", np.sum(x_patch * w_rgb) + b)
print("np.dot dos vetores + b:", np.dot(w_rgb.ravel(), x_patch.ravel()) + b)
print("conv.conv2d, saída (0, 0):", conv.conv2d(image_rgb, w_rgb[..., None], bias=b)[0, 0, 0])

# %% [markdown]
# As três contas dão o mesmo número (a menos de arredondamentos de `float32`). Com vários
# filtros, cada um produz o seu mapa, e os mapas são empilhados como canais da saída. Seis
# filtros $5 \times 5 \times 3$ sobre a imagem 32×32×3, como na aula da FIAP:

# %%
six_filters = rng.standard_normal((5, 5, 3, 6)).astype("float32")
print("formato da saída:", conv.conv2d(image_rgb, six_filters).shape)

# %% [markdown]
# ### Exercício 3 · Um neurônio convolucional
#
# Escreva a saída de um neurônio: recebe um pedaço `x` e um filtro `w`, ambos
# $5 \times 5 \times 3$, e um viés `b`; devolve o número $w \cdot x + b$. Use `np.dot`.


# %%
def neuron(x, w, b):
    """w · x + b: produto escalar dos 75 números mais o viés."""
    # BEGIN SOLUTION ex3
    return np.dot(w.ravel(), x.ravel()) + b
    # END SOLUTION


ex3.check(neuron)

# %%
# ex3.hint()
# ex3.solution()

# %% [markdown]
# ## Passo e preenchimento
#
# Até aqui a janela andou de 1 em 1 pixel. Com **passo** (*stride*) $S$ ela pula $S$
# pixels de cada vez, e o mapa encolhe mais. Com **preenchimento** (*padding*) $P$
# colocamos $P$ anéis de zeros em volta da imagem antes de convoluir, e o mapa encolhe
# menos. Numa imagem de largura $W_1$ e filtro $F$, a largura da saída é
#
# $$W_2 = \frac{W_1 - F + 2P}{S} + 1$$
#
# (o mesmo vale para a altura). Em figura, com uma janela 3×3 numa imagem 5×5: cada cor é
# uma posição da janela na linha de cima; com passo 2 ela pula uma coluna, e com
# preenchimento 1 ela começa fora da imagem, em cima dos zeros (em cinza):

# %%
show_stride_padding(size=5, f=3, cases=[(1, 0), (2, 0), (1, 1), (2, 1)]);

# %% [markdown]
# `conv.output_size(W1, F, S, P)` faz a conta da fórmula; conferimos cada uma com o formato
# que `conv.conv2d` de fato produz.

# %%
for W1, F_, S, P in [(5, 3, 1, 0), (32, 5, 1, 2), (7, 3, 2, 0), (7, 3, 2, 1)]:
    real = conv.conv2d(np.zeros((W1, W1)), np.ones((F_, F_)), stride=S, padding=P).shape[0]
    print(f"W1={W1}, F={F_}, S={S}, P={P}: fórmula {conv.output_size(W1, F_, S, P)}, "
          f"conv2d {real}")

# %% [markdown]
# Nem toda combinação funciona: às vezes a divisão não é exata e o último passo cairia
# para fora da imagem. `output_size` avisa com um erro:

# %%
try:
    conv.output_size(28, 3, 2, 0)
except ValueError as error:
    print("ValueError:", error)

# %% [markdown]
# O TensorFlow não reclama: com `"VALID"` ele simplesmente descarta a janela que não cabe
# inteira (arredonda para baixo). Quais colunas da imagem ficam sem ser vistas? As janelas
# começam nas colunas 0, 2, 4, ... e cada uma cobre 3 colunas:

# %%
x28 = np.zeros((1, 28, 28, 1), dtype="float32")
k3 = np.ones((3, 3, 1, 1), dtype="float32")
print("tf.nn.conv2d, 28×28, F=3, S=2, VALID:",
      tf.nn.conv2d(x28, k3, strides=2, padding="VALID").shape)
starts = range(0, 28 - 3 + 1, 2)
seen = {column for start in starts for column in range(start, start + 3)}
print("colunas nunca vistas:", sorted(set(range(28)) - seen))

# %% [markdown]
# Só a última coluna fica de fora: perde-se pouco, mas é informação que a camada nunca vê.

# %% [markdown]
# ### `"valid"` e `"same"`
#
# Em Keras você não escreve $P$; escolhe `padding="valid"` (sem zeros, $P = 0$) ou
# `padding="same"` (zeros suficientes para a saída ter $\lceil W_1 / S \rceil$ posições;
# com $S = 1$, o mesmo tamanho da entrada). Com filtro ímpar e passo 1, "same" é
# $P = (F - 1)/2$ dos dois lados. Mas com passo 2 o total de zeros pode ser **ímpar**, e o
# TensorFlow põe o zero extra **depois** (embaixo e à direita).
# `conv.same_padding(W1, F, S)` devolve quantos zeros vão (antes, depois):

# %%
for W1, F_, S in [(6, 3, 1), (7, 3, 2), (6, 3, 2)]:
    print(f"W1={W1}, F={F_}, S={S}: (antes, depois) = {conv.same_padding(W1, F_, S)}")

# %% [markdown]
# Vamos confirmar com o TensorFlow no caso assimétrico: "same" tem que ser igual a
# preencher à mão com o zero extra depois, e diferente de preenchê-lo antes.

# %%
x6 = np.arange(36, dtype="float32").reshape(6, 6)
k = np.ones((3, 3), dtype="float32")
tf_same = tf.nn.conv2d(x6[None, :, :, None], k[:, :, None, None], strides=2,
                       padding="SAME")[0, :, :, 0].numpy()
extra_after = conv.conv2d(conv.pad(x6, ((0, 1), (0, 1))), k, stride=2)
extra_before = conv.conv2d(conv.pad(x6, ((1, 0), (1, 0))), k, stride=2)
print("formato:", tf_same.shape)
print("igual ao zero extra depois?", np.allclose(tf_same, extra_after))
print("igual ao zero extra antes? ", np.allclose(tf_same, extra_before))

# %% [markdown]
# Parece um detalhe, mas é o tipo de coisa que faz dois modelos "iguais", em bibliotecas
# diferentes, darem mapas deslocados de um pixel.
#
# ### Mexa você mesmo
#
# A célula abaixo junta tudo: a imagem 5×5 `A` (com os zeros do preenchimento em cinza), o
# filtro e o mapa de saída. Mova a janela com os controles de linha e coluna, mude o passo
# e o preenchimento, e edite os pesos do filtro: a figura e as duas fórmulas embaixo (o
# valor do elemento escolhido e a largura da saída) são recalculadas. Experimente deixar
# todos os pesos em 1 (o filtro passa a somar a janela) ou usar o filtro `w_h`.
# (Sem uma interface de notebook, como num teste automático, aparece só a figura inicial.)

# %%
explore_convolution(A, w);

# %% [markdown]
# ### Exercício 4 · Tamanhos de saída
#
# Calcule o tamanho da saída de cada configuração `(W, F, S, P)` abaixo, sem usar
# `conv.output_size`. A terceira é a primeira camada da AlexNet; na quinta a divisão não é
# exata, e a resposta é o que o TensorFlow faz com `padding="valid"` (veja acima); a última
# é um *pooling* 2×2 (a fórmula é a mesma). Responda com uma lista de inteiros, na mesma
# ordem.

# %%
configs = EX4_CONFIGS
print(configs)
# BEGIN SOLUTION ex4
sizes = [(W - F + 2 * P) // S + 1 for W, F, S, P in configs]
# END SOLUTION
ex4.check(sizes)

# %%
# ex4.hint()
# ex4.solution()

# %% [markdown]
# ## Pooling
#
# O *pooling* também desliza uma janela, mas sem pesos: fica com o **maior** valor da janela
# (*max pooling*) ou com a **média** (*average pooling*). Ele reduz o mapa e torna a
# detecção tolerante a pequenos deslocamentos: "há um círculo por aqui" importa mais que a
# posição exata. A aula opcional aplica *max pooling* 2×2 com passo 1 ao mapa de círculos
# depois da ReLU:

# %%
pooled_max = conv.pool2d(circle_relu, size=2, stride=1, mode="max")
pooled_avg = conv.pool2d(circle_relu, size=2, stride=1, mode="avg")
print("entrada:", circle_relu.shape, "-> saída:", pooled_max.shape)
print("células com o valor do círculo:", np.sum(pooled_max == circle_relu.max()))
show_matrix(pooled_max, title="Max pooling 2×2, passo 1", fmt="{:.2f}");

# %%
show_matrix(pooled_avg, title="Average pooling 2×2, passo 1", fmt="{:.2f}");

# %% [markdown]
# O valor do círculo sobrevive no *max pooling* (nas células contadas acima): a informação
# "tem um círculo" ficou, com menos precisão sobre onde. A média dilui o pico com os zeros
# vizinhos.
#
# Na prática o mais comum é 2×2 com passo 2, que divide altura e largura por 2. A camada
# `keras.layers.MaxPooling2D` faz o mesmo que `conv.pool2d` (ela espera lote e canais):

# %%
for stride in (1, 2):
    keras_pool = keras.layers.MaxPooling2D(pool_size=2, strides=stride)
    by_keras = keras.ops.convert_to_numpy(keras_pool(circle_relu[None, :, :, None]))[0, :, :, 0]
    by_numpy = conv.pool2d(circle_relu, size=2, stride=stride)
    print(f"passo {stride}: formato {by_numpy.shape}, igual ao Keras? "
          f"{np.allclose(by_numpy, by_keras)}")

# %% [markdown]
# ### Exercício 5 · Max pooling à mão
#
# Calcule o *max pooling* 2×2 com passo 2 da matriz `M` e escreva o resultado como um
# array. Faça de cabeça, não com `conv.pool2d`.

# %%
M = EX5_MATRIX
print(M)
# BEGIN SOLUTION ex5
pooled = np.array([
    [6, 5],
    [7, 9],
])
# END SOLUTION
ex5.check(pooled)

# %%
# ex5.hint()
# ex5.solution()

# %% [markdown]
# ## Laços, NumPy vetorizado e TensorFlow
#
# Uma `conv2d` com laços funciona, mas é lenta. Vamos medir a mesma convolução (Sobel $x$
# numa parte da foto) de três jeitos: `conv.conv2d_loop` (laços em Python, como a sua),
# `conv.conv2d` (NumPy vetorizado: todas as janelas de uma vez, com `sliding_window_view` e
# `einsum`) e `tf.nn.conv2d`. Cada método roda algumas vezes e ficamos com o menor tempo.
# No modo rápido a imagem é menor e cada método roda uma vez só.

# %%
SIZE = 128 if config.FAST else 512
REPEATS = 1 if config.FAST else 3
image = photo[:SIZE, :SIZE]
image_tf = tf.constant(image[None, :, :, None])
kernel_tf = tf.constant(sobel_x[:, :, None, None])


def best_time(function):
    """Menor tempo, em segundos, de REPEATS chamadas de function()."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


tf.nn.conv2d(image_tf, kernel_tf, strides=1, padding="VALID")  # aquecimento
timings = {
    "laços (conv2d_loop)": best_time(lambda: conv.conv2d_loop(image, sobel_x)),
    "NumPy vetorizado (conv2d)": best_time(lambda: conv.conv2d(image, sobel_x)),
    "TensorFlow (tf.nn.conv2d)": best_time(
        lambda: tf.nn.conv2d(image_tf, kernel_tf, strides=1, padding="VALID")),
}
print(f"imagem {SIZE}×{SIZE}, filtro 3×3, melhor de {REPEATS}")
loop_seconds = timings["laços (conv2d_loop)"]
print(f"{'método':<28}{'tempo (ms)':>12}{'vezes mais rápido que o laço':>31}")
for name, seconds in timings.items():
    print(f"{name:<28}{fmt.num(1000 * seconds, 2):>12}{fmt.num(loop_seconds / seconds, 0):>31}")

# %%
same_result = (
    np.allclose(conv.conv2d_loop(image, sobel_x), conv.conv2d(image, sobel_x), atol=1e-5)
    and np.allclose(conv.conv2d(image, sobel_x),
                    tf.nn.conv2d(image_tf, kernel_tf, strides=1, padding="VALID")[0, :, :, 0],
                    atol=1e-5)
)
print("os três dão o mesmo mapa?", same_result)

# %%
fig, ax = plt.subplots(figsize=(7, 2.8))
ax.barh(list(timings), [1000 * s for s in timings.values()], color="tab:blue")
ax.set_xscale("log")
ax.set_xlabel("tempo (ms, escala log)")
ax.set_title(f"Uma convolução 3×3 numa imagem {SIZE}×{SIZE}")
ax.invert_yaxis()
fig.tight_layout()

# %% [markdown]
# A conta é a mesma nos três, mas a tabela mostra o laço ordens de grandeza atrás. No laço,
# o Python interpreta cada multiplicação, uma de cada vez. As versões vetorizadas entregam o
# trabalho inteiro a código compilado, que percorre a memória em ordem e faz várias
# multiplicações por instrução (SIMD). Vários núcleos, só às vezes: o `einsum` do NumPy
# costuma rodar num núcleo só, a menos que a conta caia numa biblioteca de álgebra linear
# (BLAS) paralela; o TensorFlow usa os núcleos da CPU e, na CPU, a biblioteca oneDNN escolhe
# entre vários algoritmos de convolução (direto, Winograd, ou reorganizar a convolução como
# uma grande multiplicação de matrizes). Numa GPU, milhares dessas contas rodam em
# paralelo. Entre NumPy e TensorFlow, quem ganha depende do tamanho: numa imagem
# pequena pesa o custo fixo de chamar o TensorFlow; desligue o modo rápido (imagem maior) e
# compare de novo. E uma camada real não tem um filtro numa imagem: tem dezenas de filtros,
# vários canais e lotes de imagens, o que multiplica tudo. Por isso você escreve o laço
# **uma vez**, para entender, e depois usa `keras.layers.Conv2D`.

# %% [markdown]
# ## O que você aprendeu
#
# - Um elemento do mapa de características é a soma de janela × filtro, elemento a elemento
#   (não uma multiplicação de matrizes):
#   $(A * w)_{ij} = \sum_{i'} \sum_{j'} A(i+i', j+j')\, w(i', j')$, com índices a partir de 0,
#   o que em NumPy é `np.sum(A[i:i+F, j:j+F] * w)`.
# - O que as bibliotecas chamam de convolução é correlação cruzada: o filtro não é girado
#   (`np.correlate`, não `np.convolve`); em sequências, é a camada `Conv1D`.
# - Filtros são detectores: o anel achou o círculo do 9, o Sobel achou as bordas da foto.
# - Em imagens coloridas soma-se também sobre os canais: cada saída é $w \cdot x + b$ com
#   $F \times F \times C$ números.
# - $W_2 = (W_1 - F + 2P)/S + 1$; "valid" é $P = 0$, "same" mantém $\lceil W_1/S \rceil$ e, no
#   TensorFlow, põe o zero extra embaixo e à direita.
# - ReLU zera o que é negativo; *max* e *average pooling* resumem janelas sem pesos.
# - Laços em Python servem para entender; para treinar, convolução vetorizada.
#
# ## De onde vem e o que ler a seguir
#
# Esta aula segue o material das Fontes abaixo: a equação, os índices a partir de 0, a soma
# sobre canais, a convolução 1-D e o exemplo $[1, -1]$ do relatório de Jefferson Korte
# Junior; a matriz 5×5 e o produto escalar de 75 números dos slides de Ana Raquel para a
# FIAP; Hubel e Wiesel, passo, "same" e "valid" e os seis filtros sobre 32×32×3 da aula dela
# na FIAP POSTECH; o detector de círculos, a ReLU, o preenchimento e o *pooling* 2×2 com
# passo 1 da aula opcional sobre camadas convolucionais (com a correção do mapa impresso);
# e a fórmula de $W_2$ dos slides de Saulo Oliveira. Corrigimos também a "multiplicação de
# matrizes" da aula da FIAP: é produto elemento a elemento seguido de soma.
#
# Na aula 03, *Anatomia de uma CNN*, estas contas viram camadas do Keras (`Conv2D`,
# `MaxPooling2D`) empilhadas numa rede, e você passa a prever formatos e contar parâmetros.
# Dali em diante os filtros deixam de ser escritos à mão: a rede **aprende** os pesos a
# partir dos dados.
#
# ### Fontes
#
# - Ana Raquel. *Deep & Reinforcement Learning — Aula 02: Redes Neurais Convolucionais*.
#   FIAP POSTECH, Data Analytics.
# - Ana Raquel. *Redes Neurais Convolucionais* (slides, com o DESAFIO Fashion-MNIST). FIAP,
#   Python Journey — Machine & Deep Learning.
# - Jefferson Korte Junior. *Relatório — Card 16: Prática: Redes Neurais Convolucionais 2
#   (Deep Learning)*. Bootcamp LAMIA.
# - Saulo Oliveira. *08 — Redes Convolucionais*, Aprendizagem Profunda, PPGCC/IFCE, 2023.1
#   (slides).
# - *Camadas convolucionais e Dropout* (tópico opcional de uma disciplina universitária), com
#   o exemplo do Keras "Pneumonia Classification on TPU"
#   (keras.io/examples/vision/xray_classification_with_tpus).
# - D. H. Hubel e T. N. Wiesel. *Receptive fields of single neurones in the cat's striate
#   cortex*. The Journal of Physiology, 148(3), 1959.
# - O glossário do curso, com os termos desta aula e o nome de cada um em inglês:
#   [glossário do curso](https://github.com/cnn-curso-ptbr/curso-cnn/blob/main/docs/glossario.md).
